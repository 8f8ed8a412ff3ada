import { timingSafeEqual } from 'node:crypto';
import {
  requireFieldValues,
  requireFiniteNumber,
  requireNonEmptyString,
  requireOptionalString,
  requirePositiveNumber,
  requireRecord,
  requireStringOrBytes,
} from '../client/guards.ts';
import { graphqlSignatureOf, signatureOf } from './payload.ts';
import { checkWindow, parseMsTimestamp, SIGNATURE_WINDOW_MS, timestampText } from './timestamp.ts';

export type VerifyFailureReason =
  | 'missing_signature'
  | 'malformed_signature'
  | 'missing_timestamp'
  | 'malformed_timestamp'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'signature_mismatch';

export type Verdict = { ok: true } | { ok: false; reason: VerifyFailureReason; message: string };

type Failure = Extract<Verdict, { ok: false }>;

const SIGNATURE_FORMAT = /^[0-9a-f]{64}$/;

function fail(reason: VerifyFailureReason, message: string): Failure {
  return { ok: false, reason, message };
}

/** Never echoes the received signature: a message may end up in a log. */
function checkSignatureFormat(signature: string | undefined): Failure | null {
  if (signature === undefined || signature === '') return fail('missing_signature', 'signature is missing');
  if (SIGNATURE_FORMAT.test(signature)) return null;
  if (signature.length !== 64) {
    return fail(
      'malformed_signature',
      `signature has ${signature.length} characters; expected 64 lowercase hex`,
    );
  }
  if (/^[0-9a-fA-F]{64}$/.test(signature)) {
    return fail('malformed_signature', 'signature contains uppercase hex; expected 64 lowercase hex');
  }
  return fail(
    'malformed_signature',
    'signature contains characters that are not hex; expected 64 lowercase hex',
  );
}

function checkTimestamp(text: string | undefined, now: number, windowMs: number): Failure | null {
  if (text === undefined || text === '') return fail('missing_timestamp', 'timestamp is missing');
  const parsed = parseMsTimestamp(text);
  if (!parsed.ok) return fail('malformed_timestamp', parsed.message);
  const window = checkWindow(parsed.ms, now, windowMs);
  return window.ok ? null : fail(window.reason, window.message);
}

/** Every success is the same verdict: one frozen object, nothing allocated on the path most calls take. */
const VERIFIED: Verdict = Object.freeze({ ok: true });

/**
 * Fast path for the `pnpm bench` row "verifying it"; `verifySignature` is its API, a plain compare its twin.
 * Scratch space for the comparison: the expected and the received hex side by side, as bytes. Verification is
 * synchronous, so one buffer serves every call, and both halves are overwritten each time (each side is 64
 * lowercase hex characters: the received one was checked, the expected one is a hex digest). Comparing the hex
 * text is comparing the digests, and one Latin-1 copy costs a third of decoding both from hex into new Buffers.
 */
const HEX_LENGTH = 64;
const scratch = Buffer.alloc(2 * HEX_LENGTH);
const expectedHalf = scratch.subarray(0, HEX_LENGTH);
const receivedHalf = scratch.subarray(HEX_LENGTH);

/** Constant-time comparison of two 64-hex digests. */
function sameDigest(expectedHex: string, receivedHex: string): boolean {
  scratch.write(expectedHex + receivedHex, 0, 'latin1');
  return timingSafeEqual(expectedHalf, receivedHalf);
}

/**
 * Verifies a signed REST call from the bytes as received (`content` is the raw body, or the path and query of a
 * GET). Bad input yields a verdict with a reason; only a wrong argument type (a bug in the caller) throws.
 */
export function verifySignature(i: {
  clientId: string;
  clientSecret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  content: string | Uint8Array;
  now: number;
  windowMs?: number;
}): Verdict {
  requireRecord('verifySignature input', i);
  const clientId = requireNonEmptyString('clientId', i.clientId);
  const clientSecret = requireNonEmptyString('clientSecret', i.clientSecret);
  const timestamp = requireOptionalString('timestamp', i.timestamp);
  const signature = requireOptionalString('signature', i.signature);
  const content = requireStringOrBytes('content', i.content);
  const now = requireFiniteNumber('now', i.now);
  const windowMs = requirePositiveNumber('windowMs', i.windowMs ?? SIGNATURE_WINDOW_MS);

  const problem = checkSignatureFormat(signature) ?? checkTimestamp(timestamp, now, windowMs);
  if (problem) return problem;
  const expected = signatureOf(clientSecret, timestamp as string, clientId, content);
  if (sameDigest(expected, signature as string)) return VERIFIED;
  const size = typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
  return fail(
    'signature_mismatch',
    `signature does not match HMAC-SHA256(client secret, base64url("${timestamp}.${clientId}." + the ${size} content bytes received)); ` +
      'check the secret, and that the exact bytes sent were signed (run tiki-sign to compare)',
  );
}

/**
 * Verifies the older GraphQL generation's input. `fields` are the input's fields; a `signature` field among
 * them is ignored, so the whole input may be passed. `fields.timestamp` is the millisecond timestamp.
 */
export function verifyGraphqlInput(i: {
  clientSecret: string;
  fields: Record<string, string | number>;
  signature: string | undefined;
  now: number;
  windowMs?: number;
}): Verdict {
  requireRecord('verifyGraphqlInput input', i);
  const clientSecret = requireNonEmptyString('clientSecret', i.clientSecret);
  const fields = requireFieldValues(i.fields);
  const signature = requireOptionalString('signature', i.signature);
  const now = requireFiniteNumber('now', i.now);
  const windowMs = requirePositiveNumber('windowMs', i.windowMs ?? SIGNATURE_WINDOW_MS);

  const { signature: _ignored, ...signed } = fields;
  const rawTimestamp = signed.timestamp;
  const problem =
    checkSignatureFormat(signature) ??
    checkTimestamp(rawTimestamp === undefined ? undefined : timestampText(rawTimestamp), now, windowMs);
  if (problem) return problem;
  const expected = graphqlSignatureOf(clientSecret, signed);
  if (sameDigest(expected, signature as string)) return VERIFIED;
  return fail(
    'signature_mismatch',
    `signature does not match HMAC-SHA256(client secret, base64url(JSON of the fields ${Object.keys(signed).sort().join(', ')} with keys sorted)); ` +
      'check the secret, and that timestamp was sent as a number',
  );
}
