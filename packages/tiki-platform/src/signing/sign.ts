/**
 * Signing Tiki calls, for callers outside this package (the CLI, the emulator's tests, the bench, a fork's own
 * calls): every argument is checked and a misuse throws. The client signs through payload.ts directly, because
 * its options were checked once when it was created.
 */
import {
  describeValue,
  misuse,
  outOfRange,
  requireFieldValues,
  requireNonEmptyString,
  requireRecord,
  requireString,
} from '../client/guards.ts';
import { buildPayload, encodePayload, hmacHex, signatureOf, sortedFieldsJson } from './payload.ts';
import { parseMsTimestamp, timestampText } from './timestamp.ts';

export interface Credentials {
  clientId: string;
  clientSecret: string;
}

export interface Explanation {
  /** The text that is encoded and signed. */
  payload: string;
  /** base64url (no padding) of the payload's UTF-8 bytes: the HMAC's message. */
  encodedPayload: string;
  /** Lowercase hex HMAC-SHA256. */
  signature: string;
}

/** A timestamp we sign must be one Tiki can accept: Unix milliseconds, 13 digits. */
function requireMsTimestamp(value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw misuse(`timestamp must be a string or a number, got ${describeValue(value)}`);
  }
  const text = timestampText(value);
  const parsed = parseMsTimestamp(text);
  if (!parsed.ok) throw outOfRange(parsed.message);
  return text;
}

/** Payload, encoded payload and signature of a REST call: what to compare when Tiki says `invalid_signature`. */
export function explain(i: Credentials & { timestamp: string | number; content: string }): Explanation {
  requireRecord('explain input', i);
  const clientId = requireNonEmptyString('clientId', i.clientId);
  const clientSecret = requireNonEmptyString('clientSecret', i.clientSecret);
  const timestamp = requireMsTimestamp(i.timestamp);
  const content = requireString('content', i.content);
  const payload = buildPayload(timestamp, clientId, content);
  const encodedPayload = encodePayload(payload);
  return { payload, encodedPayload, signature: hmacHex(clientSecret, encodedPayload) };
}

/**
 * The signature alone, with the checks `explain` makes and in its order, but without building the explanation
 * or a copy of the input: this is the path every signed request takes.
 */
function signContent(i: Credentials & { timestamp: string | number }, content: string): string {
  const clientId = requireNonEmptyString('clientId', i.clientId);
  const clientSecret = requireNonEmptyString('clientSecret', i.clientSecret);
  const timestamp = requireMsTimestamp(i.timestamp);
  return signatureOf(clientSecret, timestamp, clientId, content);
}

/** Signs a POST body given as the exact JSON string that will be sent. */
export function signBody(i: Credentials & { timestamp: string | number; body: string }): string {
  requireRecord('signBody input', i);
  return signContent(i, requireString('body', i.body));
}

/**
 * Path and query as Tiki signs them: keys and values encoded as `encodeURIComponent` does (space is `%20`),
 * in the order given. A path that already carries a query keeps it, and the new pairs follow.
 */
export function canonicalPathAndQuery(
  path: string,
  query?: Record<string, string | number | boolean>,
): string {
  requireString('path', path);
  if (!path.startsWith('/'))
    throw outOfRange(`path must start with "/" (no base URL), got ${JSON.stringify(path)}`);
  if (query === undefined) return path;
  const pairs = Object.entries(requireRecord('query', query)).map(([key, value]) => {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw misuse(`query.${key} must be a string, number or boolean, got ${describeValue(value)}`);
    }
    return `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`;
  });
  if (pairs.length === 0) return path;
  return `${path}${path.includes('?') ? '&' : '?'}${pairs.join('&')}`;
}

/** Signs a GET call: the content is the path and query (no base URL), already canonical. */
export function signGet(i: Credentials & { timestamp: string | number; pathAndQuery: string }): string {
  requireRecord('signGet input', i);
  return signContent(i, requireString('pathAndQuery', i.pathAndQuery));
}

/**
 * The older GraphQL generation: the signature covers the JSON of the other input fields with keys sorted (the
 * rule of Tiki's first Go sample; Tiki's docs do not spell it out). `signature` itself is never signed.
 */
export function explainGraphqlInput(i: {
  clientSecret: string;
  fields: Record<string, string | number>;
}): Explanation {
  requireRecord('explainGraphqlInput input', i);
  const clientSecret = requireNonEmptyString('clientSecret', i.clientSecret);
  const { signature: _ignored, ...fields } = requireFieldValues(i.fields);
  if (fields.timestamp !== undefined) requireMsTimestamp(fields.timestamp);
  const payload = sortedFieldsJson(fields);
  const encodedPayload = encodePayload(payload);
  return { payload, encodedPayload, signature: hmacHex(clientSecret, encodedPayload) };
}

export function signGraphqlInput(i: {
  clientSecret: string;
  fields: Record<string, string | number>;
}): string {
  return explainGraphqlInput(i).signature;
}
