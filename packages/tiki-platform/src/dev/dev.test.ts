import { describe, expect, it } from 'vitest';
import { DEV_BASE_URLS, DEV_EMULATOR_ORIGIN, developmentOrigins, TIKI_PRODUCTION_BASE_URLS } from './dev.ts';

describe('development defaults', () => {
  it("lay the emulator's URLs out exactly as Tiki's, so that only the origin differs", () => {
    for (const key of ['restBaseUrl', 'graphqlUrl', 'openApiBaseUrl'] as const) {
      const dev = new URL(DEV_BASE_URLS[key]);
      const production = new URL(TIKI_PRODUCTION_BASE_URLS[key]);
      expect(dev.origin).toBe(DEV_EMULATOR_ORIGIN);
      expect(dev.pathname).toBe(production.pathname);
    }
  });

  it('derive every development origin from the ports and hosts the apps share', () => {
    expect(developmentOrigins({})).toEqual({
      emulatorOrigin: 'http://127.0.0.1:4010',
      serverOrigin: 'http://127.0.0.1:3000',
      previewOrigin: 'http://127.0.0.1:4020',
    });
    expect(
      developmentOrigins({
        TIKI_EMULATOR_PORT: '4310',
        PORT: '3300',
        HOST: '0.0.0.0',
        MINIAPP_PREVIEW_PORT: '4320',
      }),
    ).toEqual({
      emulatorOrigin: 'http://127.0.0.1:4310',
      serverOrigin: 'http://127.0.0.1:3300',
      previewOrigin: 'http://127.0.0.1:4320',
    });
    expect(developmentOrigins({ TIKI_EMULATOR_HOST: '::1', TIKI_EMULATOR_PORT: '' }).emulatorOrigin).toBe(
      'http://[::1]:4010',
    );
  });
});
