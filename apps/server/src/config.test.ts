import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  DEV_BASE_URLS,
  DEV_CLIENT_ID,
  DEV_CLIENT_SECRET,
  TIKI_PRODUCTION_BASE_URLS,
} from '@tini-starter/tiki-platform/dev';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, DEFAULT_DATA_DIR, loadConfig, loadStorageConfig } from './config.ts';

const key = () => randomBytes(32).toString('base64');
const production = () => ({
  NODE_ENV: 'production',
  TIKI_CLIENT_ID: 'console-client-key',
  TIKI_CLIENT_SECRET: 'console-client-secret-0123456789',
  TOKEN_ENCRYPTION_KEYS: `k1:${key()}`,
  TOKEN_ENCRYPTION_KEY_ID: 'k1',
});

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('works with no environment at all, pointing at the emulator with development credentials', () => {
    const config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config).toMatchObject({ host: '127.0.0.1', port: 3000 });
    expect(config.tiki).toMatchObject({
      ...DEV_BASE_URLS,
      clientId: DEV_CLIENT_ID,
      clientSecret: DEV_CLIENT_SECRET,
      transport: 'rest',
      timeoutMs: 5000,
      readRetries: 2,
      refreshMarginMs: 120_000,
    });
    expect(config.session).toEqual({ idleTimeoutMs: 7 * 86_400_000, maxAgeMs: 30 * 86_400_000 });
    expect(config.http).toMatchObject({ trustProxyHops: 0, loginRateLimit: { max: 300, windowMs: 60_000 } });
    expect(config.storage).toEqual({
      dataDir: DEFAULT_DATA_DIR,
      databaseFile: `${DEFAULT_DATA_DIR}/server.sqlite`,
      postgres: null,
      busyTimeoutMs: 5000,
    });
    expect(DEFAULT_DATA_DIR).toMatch(/apps\/server\/data$/);
    expect(config.encryption.activeKeyId).toBe('dev');
  });

  it('outside production, calls the emulator wherever TIKI_EMULATOR_HOST/PORT put it; an explicit URL wins', () => {
    expect(loadConfig({ TIKI_EMULATOR_PORT: '4310' }).tiki).toMatchObject({
      restBaseUrl: 'http://127.0.0.1:4310/tiniapp-open-api',
      graphqlUrl: 'http://127.0.0.1:4310/tiniapp/api/graphql/query',
      openApiBaseUrl: 'http://127.0.0.1:4310',
    });
    const explicit = loadConfig({ TIKI_EMULATOR_PORT: '4310', TIKI_OPEN_API_BASE_URL: 'http://127.0.0.1:9' });
    expect(explicit.tiki.openApiBaseUrl).toBe('http://127.0.0.1:9');
    expect(loadConfig({ ...production(), TIKI_EMULATOR_PORT: '4310' }).tiki).toMatchObject(
      TIKI_PRODUCTION_BASE_URLS,
    );
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', TIKI_TRANSPORT: '' })).toMatchObject({
      port: 3000,
      tiki: { transport: 'rest' },
    });
  });

  it('stops on a malformed value, naming the variable but never echoing its value', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      TIKI_TRANSPORT: 'soap',
      TIKI_TIMEOUT_MS: '-5',
      TIKI_READ_RETRIES: '3',
      AUTH_BODY_LIMIT_BYTES: '512',
      TIKI_CLIENT_SECRET: ' ',
    });
    expect(problems.join('\n')).toMatch(/^PORT: /m);
    expect(problems.join('\n')).toMatch(/^TIKI_TRANSPORT: /m);
    expect(problems.join('\n')).toMatch(/^TIKI_TIMEOUT_MS: /m);
    expect(problems.join('\n')).toMatch(/^TIKI_READ_RETRIES: /m); // at most twice
    // A limit below what the contract allows would refuse valid logins with 413.
    expect(problems.join('\n')).toMatch(/^AUTH_BODY_LIMIT_BYTES: /m);
    expect(problems.join('\n')).toMatch(/^TIKI_CLIENT_SECRET: /m);
    expect(problems.join('\n')).not.toContain('eighty');
  });

  it('selects PostgreSQL with DATABASE_URL, and never echoes a malformed one (it holds a password)', () => {
    const url = 'postgresql://tini:s3cret-pw@db.internal:5432/tini';
    expect(loadConfig({ DATABASE_URL: url, DATABASE_POOL_MAX: '25' }).storage.postgres).toEqual({
      url,
      poolMax: 25,
      migrateOnStart: true,
    });
    expect(
      loadStorageConfig({ DATABASE_URL: url, DATABASE_MIGRATE_ON_START: 'false' }).postgres,
    ).toMatchObject({
      migrateOnStart: false,
    });
    const problems = problemsOf({ DATABASE_URL: 'mysql://tini:s3cret-pw@db.internal/tini' }).join('\n');
    expect(problems).toMatch(/^DATABASE_URL: expected a postgres:/m);
    expect(problems).not.toContain('s3cret-pw');
    expect(() => loadStorageConfig({ DATABASE_URL: 'not a url s3cret-pw' })).toThrow(/^(?!.*s3cret-pw)/s);
  });

  it('parses rotation keys and requires the active id to be one of them', () => {
    const a = key();
    const b = key();
    const config = loadConfig({
      TOKEN_ENCRYPTION_KEYS: `old:${a}, new:${b}`,
      TOKEN_ENCRYPTION_KEY_ID: 'new',
    });
    expect([...config.encryption.keys.keys()]).toEqual(['old', 'new']);
    expect(config.encryption.keys.get('old')?.toString('base64')).toBe(a);
    expect(config.encryption.activeKeyId).toBe('new');

    expect(problemsOf({ TOKEN_ENCRYPTION_KEYS: `old:${a}` })).toEqual([
      expect.stringMatching(/^TOKEN_ENCRYPTION_KEY_ID: required/),
    ]);
    expect(problemsOf({ TOKEN_ENCRYPTION_KEYS: `old:${a}`, TOKEN_ENCRYPTION_KEY_ID: 'x' })[0]).toMatch(
      /not one of/,
    );
    expect(problemsOf({ TOKEN_ENCRYPTION_KEYS: 'old:c2hvcnQ=' })[0]).toMatch(
      /^TOKEN_ENCRYPTION_KEYS: key "old" must be 32 bytes/,
    );
    expect(problemsOf({ TOKEN_ENCRYPTION_KEYS: `${a}` })[0]).toMatch(/^TOKEN_ENCRYPTION_KEYS: expected/);
    expect(problemsOf({ TOKEN_ENCRYPTION_KEYS: `a:${a},a:${b}` })[0]).toMatch(/appears twice/);
  });

  it('refuses an idle timeout longer than the session’s maximum age', () => {
    expect(problemsOf({ SESSION_IDLE_TIMEOUT_MS: '7200000', SESSION_MAX_AGE_MS: '3600000' })[0]).toMatch(
      /^SESSION_IDLE_TIMEOUT_MS/,
    );
  });

  it('in production, defaults to Tiki’s production URLs and accepts real credentials and keys', () => {
    const config = loadConfig(production());
    expect(config.tiki).toMatchObject(TIKI_PRODUCTION_BASE_URLS);
    expect(config.log.pretty).toBe(false);
    expect(config.http.loginRateLimit).toEqual({ max: 20, windowMs: 60_000 });
  });

  it('in production, refuses the development client id, secret and encryption key, and plain-HTTP Tiki URLs', () => {
    const { TIKI_CLIENT_ID, TIKI_CLIENT_SECRET, TOKEN_ENCRYPTION_KEYS, TOKEN_ENCRYPTION_KEY_ID, ...rest } =
      production();
    const problems = problemsOf({ ...rest, TIKI_REST_BASE_URL: 'http://api.tiki.vn/tiniapp-open-api' });
    expect(problems).toEqual([
      expect.stringMatching(/^TIKI_CLIENT_ID: /),
      expect.stringMatching(/^TIKI_CLIENT_SECRET: the development secret is refused/),
      expect.stringMatching(/^TOKEN_ENCRYPTION_KEYS: the development encryption key is refused/),
      expect.stringMatching(/^TIKI_REST_BASE_URL: must be an https URL/),
    ]);
    expect(problemsOf({ ...production(), TIKI_CLIENT_SECRET: DEV_CLIENT_SECRET })).toEqual([
      expect.stringMatching(/^TIKI_CLIENT_SECRET/),
    ]);
    expect(
      problemsOf({
        ...production(),
        TOKEN_ENCRYPTION_KEYS: 'k1:dGluaS1zdGFydGVyLWRldi1vbmx5LWtleS0wMDAwMDA=',
      }),
    ).toEqual([expect.stringMatching(/^TOKEN_ENCRYPTION_KEYS/)]);
    expect(problemsOf({ ...production(), ORDER_SWEEP_INTERVAL_MS: '0' })).toEqual([
      expect.stringMatching(/^ORDER_SWEEP_INTERVAL_MS: 0 turns the sweep off/),
    ]);
  });
});

describe('CORS', () => {
  it('allows the development preview’s origin outside production, and no origin in production', () => {
    expect(loadConfig({}).http.corsOrigins).toEqual(['http://127.0.0.1:4020']);
    expect(loadConfig({ MINIAPP_PREVIEW_PORT: '4321' }).http.corsOrigins).toEqual(['http://127.0.0.1:4321']);
    expect(loadConfig({ ...production(), MINIAPP_PREVIEW_PORT: '4321' }).http.corsOrigins).toEqual([]);
  });
});

describe('.env.example', () => {
  const text = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');

  it('documents every variable the server reads, and no other', () => {
    const documented = [...text.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]);
    expect(new Set(documented)).toEqual(new Set(CONFIG_VARIABLES));
  });

  it('its uncommented values are the defaults, and load', () => {
    const env = Object.fromEntries([...text.matchAll(/^([A-Z][A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    expect(loadConfig(env)).toEqual(loadConfig({}));
  });
});
