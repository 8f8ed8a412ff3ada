import { describe, expect, it } from 'vitest';
import { generateAuthCode, generateToken, maskCredential, maskCredentialsInText } from './tokens.ts';

describe('credentials', () => {
  it("look like Tiki's auth codes: two base64url parts joined by a dot", () => {
    expect(generateAuthCode()).toMatch(/^[A-Za-z0-9_-]{14}\.[A-Za-z0-9_-]{43}$/);
    expect(generateToken()).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(new Set(Array.from({ length: 100 }, generateAuthCode)).size).toBe(100);
  });

  it('are masked to a six-character prefix, short values entirely', () => {
    expect(maskCredential('CDKJfdkj4528KJ.eCZa27znIuM8JGC')).toBe('CDKJfd…');
    expect(maskCredential('short')).toBe('…');
  });

  it('are masked inside JSON text, whatever the spacing', () => {
    expect(maskCredentialsInText('1.app.{"code": "CDKJfdkj4528KJ.eCZa27", "note":"Hà Nội"}')).toBe(
      '1.app.{"code": "CDKJfd…", "note":"Hà Nội"}',
    );
    expect(
      maskCredentialsInText('{"refresh_token":"abcdefghijklmnop","access_token":"qrstuvwxyz0123456"}'),
    ).toBe('{"refresh_token":"abcdef…","access_token":"qrstuv…"}');
    expect(maskCredentialsInText('{"code":"a\\"bcdefghijklmnopq"}')).toBe('{"code":"a\\"bcd…"}');
  });

  it('are masked wherever their shape appears, leaving the timestamp.clientKey prefix of a payload alone', () => {
    const code = generateAuthCode();
    const token = generateToken();
    expect(maskCredentialsInText(`{"\\u0063ode":"${code}"}`)).toBe(`{"\\u0063ode":"${code.slice(0, 6)}…"}`);
    expect(maskCredentialsInText(`auth_code=${code}&x=${token}`)).toBe(
      `auth_code=${code.slice(0, 6)}…&x=${token.slice(0, 6)}…`,
    );
    const prefix = '1620621619569.RLCKb7Ae9kx4DXtXsCWjnDXtggFnM43W.';
    expect(maskCredentialsInText(`${prefix}{"id":123}`)).toBe(`${prefix}{"id":123}`);
  });
});
