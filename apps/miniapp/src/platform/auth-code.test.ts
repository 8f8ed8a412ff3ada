import { afterEach, describe, expect, it } from 'vitest';
import { AuthCodeError, getAuthCode, normalize } from './auth-code.ts';

const globals = globalThis as unknown as { my?: unknown };

afterEach(() => {
  delete globals.my;
});

describe('my.getAuthCode results', () => {
  it('reads Tiki’s documented fields', () => {
    expect(
      normalize({ authCode: 'a.b', authSuccessScopes: ['user_profile'], authErrorScopes: { offline: '2' } }),
    ).toEqual({ authCode: 'a.b', grantedScopes: ['user_profile'], scopeErrors: { offline: '2' } });
  });

  it('reads the type package’s singular spellings too', () => {
    expect(
      normalize({ authCode: 'a.b', authSuccessScope: ['offline'], authErrorScope: { user_profile: '1' } }),
    ).toEqual({ authCode: 'a.b', grantedScopes: ['offline'], scopeErrors: { user_profile: '1' } });
  });

  it('turns numeric error codes into the documented strings and tolerates missing fields', () => {
    const odd = { authErrorScopes: { offline: 2 } } as unknown as Parameters<typeof normalize>[0];
    expect(normalize(odd)).toEqual({ authCode: '', grantedScopes: [], scopeErrors: { offline: '2' } });
    expect(normalize(undefined)).toEqual({ authCode: '', grantedScopes: [], scopeErrors: {} });
  });

  it('asks for exactly the scopes given and rejects a host failure with AuthCodeError', async () => {
    const asked: unknown[] = [];
    globals.my = {
      getAuthCode: (o: { scopes: unknown; fail: (r: unknown) => void }) => {
        asked.push(o.scopes);
        o.fail({ error: 11, errorMessage: 'no app' });
      },
    };
    const error = await getAuthCode(['user_profile', 'offline']).catch((e: unknown) => e);
    expect(asked).toEqual([['user_profile', 'offline']]);
    expect(error).toBeInstanceOf(AuthCodeError);
    expect(error).toMatchObject({ hostError: 11 });
  });
});
