import { describe, expect, it } from 'vitest';
import { DEV_BASE_URLS, DEV_EMULATOR_ORIGIN, TIKI_PRODUCTION_BASE_URLS } from './dev.ts';

describe('development defaults', () => {
  it("lay the emulator's URLs out exactly as Tiki's, so that only the origin differs", () => {
    for (const key of ['restBaseUrl', 'graphqlUrl', 'openApiBaseUrl'] as const) {
      const dev = new URL(DEV_BASE_URLS[key]);
      const production = new URL(TIKI_PRODUCTION_BASE_URLS[key]);
      expect(dev.origin).toBe(DEV_EMULATOR_ORIGIN);
      expect(dev.pathname).toBe(production.pathname);
    }
  });
});
