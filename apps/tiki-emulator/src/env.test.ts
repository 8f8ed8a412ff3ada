import { DEV_CLIENT_ID, DEV_CLIENT_SECRET } from '@tini-starter/tiki-platform/dev';
import { describe, expect, it } from 'vitest';
import { loadEnv } from './env.ts';

describe('loadEnv', () => {
  it('defaults to the development app on 127.0.0.1:4010', () => {
    expect(loadEnv({})).toEqual({
      TIKI_EMULATOR_PORT: 4010,
      TIKI_EMULATOR_HOST: '127.0.0.1',
      TIKI_CLIENT_ID: DEV_CLIENT_ID,
      TIKI_CLIENT_SECRET: DEV_CLIENT_SECRET,
    });
  });

  it('reads the app and the port, treating blank values as unset', () => {
    const env = loadEnv({ TIKI_EMULATOR_PORT: '4999', TIKI_CLIENT_ID: 'abc', TIKI_CLIENT_SECRET: '' });
    expect(env).toMatchObject({
      TIKI_EMULATOR_PORT: 4999,
      TIKI_CLIENT_ID: 'abc',
      TIKI_CLIENT_SECRET: DEV_CLIENT_SECRET,
    });
  });

  it('rejects a port that is not a port, without echoing the secret', () => {
    expect(() => loadEnv({ TIKI_EMULATOR_PORT: 'eighty', TIKI_CLIENT_SECRET: 'hush-hush' })).toThrow(
      /^tiki-emulator: invalid environment \(TIKI_EMULATOR_PORT: /,
    );
    expect(() => loadEnv({ TIKI_EMULATOR_PORT: '70000', TIKI_CLIENT_SECRET: 'hush-hush' })).not.toThrow(
      /hush/,
    );
  });
});
