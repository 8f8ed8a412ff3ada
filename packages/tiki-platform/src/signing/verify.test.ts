import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  GET_VECTOR,
  GRAPHQL_VECTOR,
  POST_VECTOR,
  VECTOR_CREDENTIALS,
  VECTOR_TIMESTAMP,
} from '../testing/vectors.ts';
import { signBody, signGraphqlInput } from './sign.ts';
import { verifyGraphqlInput, verifySignature } from './verify.ts';

const now = Number(VECTOR_TIMESTAMP);
const base = {
  ...VECTOR_CREDENTIALS,
  timestamp: VECTOR_TIMESTAMP,
  signature: POST_VECTOR.signature,
  content: POST_VECTOR.body,
  now,
};

/** A request signed at `now + offsetMs` (as a sender with a skewed clock would), verified at `now`. */
function verifyAtOffset(offsetMs: number) {
  const timestamp = String(now + offsetMs);
  const signature = signBody({ ...VECTOR_CREDENTIALS, timestamp, body: POST_VECTOR.body });
  return verifySignature({ ...base, timestamp, signature });
}

describe('verifySignature accepts what Tiki signs', () => {
  it('the POST vector verifies from the string and from the raw bytes', () => {
    expect(verifySignature(base)).toEqual({ ok: true });
    expect(verifySignature({ ...base, content: Buffer.from(POST_VECTOR.body) })).toEqual({ ok: true });
    expect(verifySignature({ ...base, content: new TextEncoder().encode(POST_VECTOR.body) })).toEqual({
      ok: true,
    });
  });

  it('the GET vector verifies with the path and query as content', () => {
    const get = { ...base, content: GET_VECTOR.pathAndQuery, signature: GET_VECTOR.signature };
    expect(verifySignature(get)).toEqual({ ok: true });
  });

  it('a Uint8Array that is a window into a larger buffer is read from its own offset only', () => {
    const framed = Buffer.from(`xxxx${POST_VECTOR.body}yyyy`);
    const view = new Uint8Array(framed.buffer, framed.byteOffset + 4, POST_VECTOR.body.length);
    expect(verifySignature({ ...base, content: view })).toEqual({ ok: true });
  });
});

describe('raw bytes are verified as they arrived, never decoded and re-encoded', () => {
  // {"a":"<ff> <c3 28> <ed a0 80>"}: a stray byte, a truncated sequence and an encoded surrogate, none valid UTF-8.
  const raw = Buffer.concat([
    Buffer.from('{"a":"'),
    Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]),
    Buffer.from('"}'),
  ]);
  // Signed by hand over exactly these bytes, as a sender that does not go through a string would.
  const prefix = Buffer.from(`${VECTOR_TIMESTAMP}.${VECTOR_CREDENTIALS.clientId}.`);
  const signature = createHmac('sha256', VECTOR_CREDENTIALS.clientSecret)
    .update(Buffer.concat([prefix, raw]).toString('base64url'))
    .digest('hex');

  it('invalid UTF-8 in a raw body verifies exactly as the bytes were signed', () => {
    expect(verifySignature({ ...base, signature, content: raw })).toEqual({ ok: true });
    expect(verifySignature({ ...base, signature, content: new Uint8Array(raw) })).toEqual({ ok: true });
  });

  it('the same body decoded to a string (invalid bytes become U+FFFD) no longer matches', () => {
    const decoded = raw.toString('utf8');
    expect(decoded).toContain('\ufffd');
    expect(verifySignature({ ...base, signature, content: decoded })).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });
});

describe('the timestamp window is ±300 s, in both directions', () => {
  it.each([[-299_000], [299_000], [-300_000], [300_000], [0]])('a timestamp %i ms away passes', (offset) => {
    expect(verifyAtOffset(offset)).toEqual({ ok: true });
  });

  it('301 s in the past is stale, and the message says by how much', () => {
    expect(verifyAtOffset(-301_000)).toEqual({
      ok: false,
      reason: 'stale_timestamp',
      message: 'timestamp is 301 s in the past; the window is ±300 s',
    });
  });

  it('301 s in the future is rejected as from the future', () => {
    expect(verifyAtOffset(301_000)).toMatchObject({
      ok: false,
      reason: 'future_timestamp',
      message: expect.stringMatching(/^timestamp is 301 s in the future; the window is ±300 s/),
    });
  });

  it('one millisecond past the window already fails', () => {
    expect(verifyAtOffset(-300_001)).toMatchObject({ reason: 'stale_timestamp', message: /300\.001 s/ });
  });

  it('a custom window applies', () => {
    expect(verifySignature({ ...base, now: now + 61_000, windowMs: 60_000 })).toMatchObject({
      reason: 'stale_timestamp',
      message: 'timestamp is 61 s in the past; the window is ±60 s',
    });
  });
});

describe('a malformed timestamp fails with malformed_timestamp and says why', () => {
  it.each([
    ['seconds precision', '1620621619', /looks like seconds/],
    ['non-numeric', 'abc', /not a decimal integer/],
    ['negative', '-1620621619569', /negative/],
    ['fractional', '1620621619569.0', /fractional/],
    ['a leading plus', '+1620621619569', /not a decimal integer/],
    ['surrounding spaces', ' 1620621619569', /not a decimal integer/],
    ['exponent notation', '1.620621619569e12', /not a decimal integer/],
    ['microseconds', '1620621619569000', /looks like microseconds/],
    ['nanoseconds', '1620621619569000000', /looks like nanoseconds/],
    ['a leading zero', '0162062161956', /13 digits/],
  ])('%s', (_name, timestamp, message) => {
    const verdict = verifySignature({ ...base, timestamp });
    expect(verdict).toMatchObject({ ok: false, reason: 'malformed_timestamp', message });
  });

  it.each([[undefined], ['']])('%j is missing_timestamp', (timestamp) => {
    expect(verifySignature({ ...base, timestamp })).toEqual({
      ok: false,
      reason: 'missing_timestamp',
      message: 'timestamp is missing',
    });
  });
});

describe('the signature must be 64 lowercase hex characters', () => {
  it.each([
    ['missing', undefined, 'missing_signature', /missing/],
    ['empty', '', 'missing_signature', /missing/],
    ['63 characters', POST_VECTOR.signature.slice(1), 'malformed_signature', /has 63 characters/],
    ['65 characters', `${POST_VECTOR.signature}0`, 'malformed_signature', /has 65 characters/],
    ['uppercase', POST_VECTOR.signature.toUpperCase(), 'malformed_signature', /uppercase/],
    ['not hex', `${POST_VECTOR.signature.slice(0, 63)}g`, 'malformed_signature', /not hex/],
    [
      'base64 instead of hex',
      Buffer.from(POST_VECTOR.signature, 'hex').toString('base64'),
      'malformed_signature',
      /44/,
    ],
  ])('%s fails', (_name, signature, reason, message) => {
    const verdict = verifySignature({ ...base, signature });
    expect(verdict).toMatchObject({ ok: false, reason, message });
    if (signature) expect(JSON.stringify(verdict)).not.toContain(signature);
  });

  it('a well-formed signature of something else is a mismatch whose message names no secret or signature', () => {
    const other = signBody({ ...VECTOR_CREDENTIALS, timestamp: VECTOR_TIMESTAMP, body: '{"id":124}' });
    const verdict = verifySignature({ ...base, signature: other });
    expect(verdict).toMatchObject({ ok: false, reason: 'signature_mismatch' });
    const text = JSON.stringify(verdict);
    for (const secret of [other, POST_VECTOR.signature, VECTOR_CREDENTIALS.clientSecret]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('10 content bytes');
  });

  it('the wrong secret is a mismatch', () => {
    expect(verifySignature({ ...base, clientSecret: 'another secret' })).toMatchObject({
      reason: 'signature_mismatch',
    });
  });

  it('the signature is checked before the timestamp, so a caller learns the first problem', () => {
    expect(verifySignature({ ...base, signature: undefined, timestamp: 'x' })).toMatchObject({
      reason: 'missing_signature',
    });
  });
});

describe('verifySignature throws only on programming misuse', () => {
  it.each([
    ['an object as content', { content: { id: 123 } }],
    ['a number as timestamp', { timestamp: Number(VECTOR_TIMESTAMP) }],
    ['an array as signature', { signature: [POST_VECTOR.signature] }],
    ['a missing clientSecret', { clientSecret: undefined }],
    ['a string as now', { now: String(now) }],
    ['NaN as now', { now: Number.NaN }],
    ['a zero window', { windowMs: 0 }],
  ])('%s is a TypeError with the package prefix', (_name, override) => {
    const call = () =>
      verifySignature({ ...base, ...(override as object) } as Parameters<typeof verifySignature>[0]);
    expect(call).toThrow(TypeError);
    expect(call).toThrow(/^tiki-platform: /);
  });
});

describe('verifyGraphqlInput', () => {
  const input = {
    clientSecret: VECTOR_CREDENTIALS.clientSecret,
    fields: GRAPHQL_VECTOR.fields,
    signature: GRAPHQL_VECTOR.signature,
    now: GRAPHQL_VECTOR.fields.timestamp,
  };

  it('accepts the vector, also when the whole input including signature is passed as fields', () => {
    expect(verifyGraphqlInput(input)).toEqual({ ok: true });
    const fields = { ...GRAPHQL_VECTOR.fields, signature: GRAPHQL_VECTOR.signature };
    expect(verifyGraphqlInput({ ...input, fields })).toEqual({ ok: true });
  });

  it('a timestamp sent as a string is a different JSON, so the signature no longer matches', () => {
    const fields = { ...GRAPHQL_VECTOR.fields, timestamp: String(GRAPHQL_VECTOR.fields.timestamp) };
    expect(verifyGraphqlInput({ ...input, fields })).toMatchObject({ reason: 'signature_mismatch' });
  });

  it('a changed code is a mismatch', () => {
    const fields = { ...GRAPHQL_VECTOR.fields, code: 'other' };
    expect(verifyGraphqlInput({ ...input, fields })).toMatchObject({ reason: 'signature_mismatch' });
  });

  it.each([
    ['no timestamp', { code: 'c', client_id: 'k' }, 'missing_timestamp'],
    ['a timestamp in seconds', { ...GRAPHQL_VECTOR.fields, timestamp: 1620901354 }, 'malformed_timestamp'],
    [
      'a fractional timestamp',
      { ...GRAPHQL_VECTOR.fields, timestamp: 1620901354516.5 },
      'malformed_timestamp',
    ],
    ['a negative timestamp', { ...GRAPHQL_VECTOR.fields, timestamp: -1620901354516 }, 'malformed_timestamp'],
    ['NaN as timestamp', { ...GRAPHQL_VECTOR.fields, timestamp: Number.NaN }, 'malformed_timestamp'],
  ])('%s fails with %s', (_name, fields, reason) => {
    const signature = signGraphqlInput({ clientSecret: input.clientSecret, fields: { code: 'c' } });
    expect(verifyGraphqlInput({ ...input, fields, signature })).toMatchObject({ ok: false, reason });
  });

  it('a stale GraphQL timestamp fails with stale_timestamp', () => {
    expect(verifyGraphqlInput({ ...input, now: input.now + 301_000 })).toMatchObject({
      reason: 'stale_timestamp',
    });
  });

  it('a missing signature fails before anything else', () => {
    expect(verifyGraphqlInput({ ...input, signature: undefined })).toMatchObject({
      reason: 'missing_signature',
    });
  });

  it('a nested object among fields is a TypeError', () => {
    const fields = { ...GRAPHQL_VECTOR.fields, code: { $ne: null } } as unknown as Record<string, string>;
    expect(() => verifyGraphqlInput({ ...input, fields })).toThrow(/^tiki-platform: fields.code must be/);
  });
});
