import { randomBytes } from 'node:crypto';

/**
 * A credential shaped like Tiki's auth codes: two base64url parts joined by a dot, e.g.
 * `CDKJfdkj4528KJ.eCZa27znIuM8JGC-IUSM-S_G_YrgP7OH8BTGdba706E` (10 and 32 random bytes).
 */
export function generateAuthCode(): string {
  return `${randomBytes(10).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
}

/** Tokens use the same shape with a longer first part, so they cannot be mistaken for codes. */
export function generateToken(): string {
  return `${randomBytes(16).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
}

const VISIBLE_PREFIX = 6;

/** What logs and the state page show of a code or token: a prefix that tells two apart, never the credential. */
export function maskCredential(value: string): string {
  if (value.length <= VISIBLE_PREFIX * 2) return '…';
  return `${value.slice(0, VISIBLE_PREFIX)}…`;
}

const CREDENTIAL_FIELD = /("(?:code|refresh_token|access_token|signature)"\s*:\s*")((?:[^"\\]|\\.)*)(")/g;

/**
 * Any run shaped like the credentials above (two base64url parts joined by a dot, the second of 32+ characters,
 * the first not all digits so that a `timestamp.clientKey` payload prefix is left alone). Catches a credential
 * wherever a caller put it: an escaped key, another field name, a non-JSON body, a GraphQL error that quotes
 * its input.
 */
const CREDENTIAL_SHAPE =
  /(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[A-Za-z_-])[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{32,}/g;

/**
 * Masks the values of credential fields inside a JSON text, and every credential-shaped run anywhere in it:
 * what the request log keeps (messages, paths, expected payloads) goes through here.
 */
export function maskCredentialsInText(text: string): string {
  return text
    .replace(CREDENTIAL_FIELD, (_match, open: string, value: string, close: string) => {
      return `${open}${maskCredential(value)}${close}`;
    })
    .replace(CREDENTIAL_SHAPE, maskCredential);
}
