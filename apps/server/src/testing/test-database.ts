/** A fresh PostgreSQL database for one test, on the server vitest's global setup started (postgres-global-setup.ts). */
import { inject } from 'vitest';
import { createDatabase } from './postgres.ts';
import './postgres-global-setup.ts';

export function testDatabase(): Promise<string> {
  return createDatabase(inject('postgres'));
}
