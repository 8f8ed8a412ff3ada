import { describe, expect, it } from 'vitest';
import {
  LoginRequestSchema,
  LoginResponseSchema,
  MeResponseSchema,
  ProfileResponseSchema,
  ROUTES,
} from './auth.ts';
import { ERROR_STATUS, ErrorBodySchema, RELOGIN_CODES } from './errors.ts';

const user = { id: 'u_1', tikiCustomerId: 1, name: 'Ti Ni' };

describe('the login request', () => {
  it('accepts an auth code as Tiki issues it', () => {
    const authCode = 'CDKJfdkj4528KJ.eCZa27znIuM8JGC-IUSM-S_G_YrgP7OH8BTGdba706E';
    expect(LoginRequestSchema.parse({ authCode })).toEqual({ authCode });
  });

  it.each([
    ['a missing code', {}],
    ['an empty code', { authCode: '' }],
    ['a code that is not a string', { authCode: 123 }],
    ['a code longer than 512 characters', { authCode: 'a'.repeat(513) }],
    ['an unknown field (a typo must not pass silently)', { authCode: 'x.y', scope: 'offline' }],
  ])('refuses %s', (_, body) => {
    expect(LoginRequestSchema.safeParse(body).success).toBe(false);
  });
});

describe('the responses', () => {
  it('a login answers our session, its absolute expiry, the user and the granted scopes', () => {
    const body = { token: 's3cr3t', expiresAt: '2026-12-25T00:00:00.000Z', user, scopes: ['user_profile'] };
    expect(LoginResponseSchema.parse(body)).toEqual(body);
    expect(LoginResponseSchema.safeParse({ ...body, expiresAt: 'tomorrow' }).success).toBe(false);
    expect(LoginResponseSchema.safeParse({ ...body, user: { ...user, tikiCustomerId: 1.5 } }).success).toBe(
      false,
    );
  });

  it('/api/me answers the user and scopes, and accepts a scope Tiki adds later', () => {
    const body = { user, scopes: ['user_profile', 'offline', 'some_future_scope'] };
    expect(MeResponseSchema.parse(body)).toEqual(body);
    expect(MeResponseSchema.safeParse({ user, scopes: [''] }).success).toBe(false);
  });

  it("the profile keeps fields Tiki does not document (its body is Tiki's, passed through)", () => {
    const body = { profile: { id: 1, name: 'Ti Ni', loyalty_tier: 'gold' } };
    expect(ProfileResponseSchema.parse(body)).toEqual(body);
  });
});

describe('the errors', () => {
  it('every error code has one HTTP status, and re-login codes are 401s', () => {
    for (const code of RELOGIN_CODES) expect(ERROR_STATUS[code]).toBe(401);
    expect(ERROR_STATUS.upstream_unavailable).toBe(503);
    expect(ERROR_STATUS.rate_limited).toBe(429);
  });

  it('an error body has a known code and a message; details are optional', () => {
    expect(ErrorBodySchema.parse({ error: { code: 'unauthenticated', message: 'log in' } })).toEqual({
      error: { code: 'unauthenticated', message: 'log in' },
    });
    expect(ErrorBodySchema.safeParse({ error: { code: 'teapot', message: 'no' } }).success).toBe(false);
  });

  it('both sides spell each route once', () => {
    expect(ROUTES.login).toEqual({ method: 'POST', path: '/api/auth/login' });
    expect(new Set(Object.values(ROUTES).map((route) => route.path)).size).toBe(Object.keys(ROUTES).length);
  });
});
