/**
 * The optional .env files of a development machine, loaded into the environment: a .env beside package.json,
 * then the root .env all three apps share. A variable already set is never overwritten, so the environment
 * beats the server's file, which beats the shared one. The defaults work without either.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function loadEnvFiles(): void {
  for (const file of ['../.env', '../../../.env']) {
    const envFile = fileURLToPath(new URL(file, import.meta.url));
    if (existsSync(envFile)) process.loadEnvFile(envFile);
  }
}
