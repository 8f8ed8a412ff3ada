import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VECTOR_CREDENTIALS } from '../testing/vectors.ts';
import { encodePayload } from './payload.ts';
import { signBody } from './sign.ts';
import { verifySignature } from './verify.ts';

/** Text as real bodies carry it: ASCII, Vietnamese diacritics, emoji, and the JSON-vs-JS trap U+2028. */
const unit = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 3 }),
  fc.constantFrom('à', 'ệ', 'ữ', 'Đ', 'ơ', 'ự', 'Hà Nội', 'Nguyễn'),
  fc.constantFrom('😀', '🇻🇳', '👩‍💻', '\u2028', '\u2029', '\u0000', '"', '\\'),
);
const text = fc.array(unit, { maxLength: 8 }).map((parts) => parts.join(''));
const body = fc.jsonValue({ stringUnit: unit, maxDepth: 3 }).map((value) => JSON.stringify(value));
const timestamp = fc.integer({ min: 1_000_000_000_000, max: 9_999_999_999_999 });
const credentials = fc.record({
  clientId: text.filter((t) => t !== ''),
  clientSecret: text.filter((t) => t !== ''),
});

const runs = { numRuns: 300 };

describe('signing properties over arbitrary JSON bodies', () => {
  it('what is signed verifies, from the string and from its UTF-8 bytes', () => {
    fc.assert(
      fc.property(credentials, timestamp, body, (c, ts, json) => {
        const signature = signBody({ ...c, timestamp: ts, body: json });
        const base = { ...c, timestamp: String(ts), signature, now: ts };
        expect(verifySignature({ ...base, content: json })).toEqual({ ok: true });
        expect(verifySignature({ ...base, content: Buffer.from(json, 'utf8') })).toEqual({ ok: true });
      }),
      runs,
    );
  });

  it('changing any one byte of the body breaks the signature', () => {
    const bodyAndChange = body.chain((json) => {
      const bytes = Buffer.from(json, 'utf8');
      return fc.tuple(
        fc.constant(bytes),
        fc.nat({ max: bytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
      );
    });
    fc.assert(
      fc.property(timestamp, bodyAndChange, (ts, [bytes, index, xor]) => {
        const signature = signBody({ ...VECTOR_CREDENTIALS, timestamp: ts, body: bytes.toString('utf8') });
        const changed = Buffer.from(bytes);
        changed[index] = (changed[index] as number) ^ xor;
        const verdict = verifySignature({
          ...VECTOR_CREDENTIALS,
          timestamp: String(ts),
          signature,
          content: changed,
          now: ts,
        });
        expect(verdict).toMatchObject({ ok: false, reason: 'signature_mismatch' });
      }),
      runs,
    );
  });

  it('changing any one character of the signature breaks it', () => {
    fc.assert(
      fc.property(body, fc.nat({ max: 63 }), fc.integer({ min: 1, max: 15 }), (json, index, delta) => {
        const signature = signBody({ ...VECTOR_CREDENTIALS, timestamp: 1_620_621_619_569, body: json });
        const digit = (Number.parseInt(signature[index] as string, 16) + delta) % 16;
        const changed = `${signature.slice(0, index)}${digit.toString(16)}${signature.slice(index + 1)}`;
        const verdict = verifySignature({
          ...VECTOR_CREDENTIALS,
          timestamp: '1620621619569',
          signature: changed,
          content: json,
          now: 1_620_621_619_569,
        });
        expect(verdict).toMatchObject({ reason: 'signature_mismatch' });
      }),
      runs,
    );
  });

  it('a body with escaped unicode ("\\u00e0") fails once parsed and re-serialized: verify the raw bytes', () => {
    const escapeNonAscii = (json: string) =>
      json.replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const withNonAscii = fc
      .tuple(body, fc.constantFrom('à', 'ệ', '😀', '\u2028'))
      .map(([json, extra]) => `{"note":${JSON.stringify(extra)},"value":${json}}`);
    fc.assert(
      fc.property(withNonAscii, (json) => {
        const sent = escapeNonAscii(json);
        const signature = signBody({ ...VECTOR_CREDENTIALS, timestamp: 1_620_621_619_569, body: sent });
        const check = (content: string) =>
          verifySignature({
            ...VECTOR_CREDENTIALS,
            timestamp: '1620621619569',
            signature,
            content,
            now: 1_620_621_619_569,
          });
        expect(check(sent)).toEqual({ ok: true });
        const reserialized = JSON.stringify(JSON.parse(sent));
        expect(reserialized).not.toBe(sent);
        expect(check(reserialized)).toMatchObject({ reason: 'signature_mismatch' });
      }),
      runs,
    );
  });

  it('arbitrary bytes, valid UTF-8 or not, verify exactly as they were signed, behind any client id', () => {
    fc.assert(
      fc.property(credentials, timestamp, fc.uint8Array({ maxLength: 64 }), (c, ts, raw) => {
        const prefix = Buffer.from(`${ts}.${c.clientId}.`, 'utf8');
        const signature = createHmac('sha256', c.clientSecret)
          .update(Buffer.concat([prefix, raw]).toString('base64url'))
          .digest('hex');
        const verdict = verifySignature({ ...c, timestamp: String(ts), signature, content: raw, now: ts });
        expect(verdict).toEqual({ ok: true });
      }),
      runs,
    );
  });

  it('a string payload is encoded as the WHATWG encoder does, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (payload) => {
        const bytes = new TextEncoder().encode(payload);
        expect(encodePayload(payload)).toBe(Buffer.from(bytes).toString('base64url'));
      }),
      runs,
    );
  });
});
