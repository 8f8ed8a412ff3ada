import type * as z from 'zod';
import { TIKI_HEADERS } from '../facts/schemas.ts';
import { signatureOf } from '../signing/payload.ts';
import { observed } from './attempts.ts';
import type { ResolvedOptions } from './client-options.ts';
import { type CallContext, readEnvelope } from './read-envelope.ts';

/**
 * One signed POST to the REST base URL: the body is serialized once, and those exact bytes are both signed and
 * sent. The timestamp is read from the clock for this attempt, so a retried read is signed afresh.
 */
export async function postSigned<T extends z.ZodType>(
  o: ResolvedOptions,
  i: { path: string; body: Record<string, unknown>; dataSchema: T; call: CallContext },
): Promise<z.infer<T>> {
  return observed(o.onAttempt, `POST ${i.path}`, () => postOnce(o, i));
}

async function postOnce<T extends z.ZodType>(
  o: ResolvedOptions,
  i: { path: string; body: Record<string, unknown>; dataSchema: T; call: CallContext },
): Promise<z.infer<T>> {
  const json = JSON.stringify(i.body);
  const bytes = new TextEncoder().encode(json);
  const timestamp = Math.floor(o.clock.now()).toFixed(0);
  // The options were checked when the client was made: sign without checking them again.
  const signature = signatureOf(o.clientSecret, timestamp, o.clientId, json);
  const raw = await o.http({
    url: `${o.restBaseUrl}${i.path}`,
    method: 'POST',
    headers: {
      ...i.call.headers,
      'content-type': 'application/json',
      accept: 'application/json',
      [TIKI_HEADERS.clientId]: o.clientId,
      [TIKI_HEADERS.timestamp]: timestamp,
      [TIKI_HEADERS.signature]: signature,
    },
    body: bytes,
    timeoutMs: o.timeoutMs,
    what: i.call.what,
  });
  return readEnvelope(raw, i.dataSchema, { ...i.call, secrets: [...i.call.secrets, signature] });
}

/**
 * One signed GET: the signed content is the path and query exactly as requested (no base URL), already
 * canonical (canonicalPathAndQuery: values encoded as encodeURIComponent does). Signed afresh per attempt.
 */
export async function getSigned<T extends z.ZodType>(
  o: ResolvedOptions,
  i: { pathAndQuery: string; dataSchema: T; call: CallContext },
): Promise<z.infer<T>> {
  const path = i.pathAndQuery.split('?')[0] as string;
  return observed(o.onAttempt, `GET ${path}`, () => getOnce(o, i));
}

async function getOnce<T extends z.ZodType>(
  o: ResolvedOptions,
  i: { pathAndQuery: string; dataSchema: T; call: CallContext },
): Promise<z.infer<T>> {
  const timestamp = Math.floor(o.clock.now()).toFixed(0);
  const signature = signatureOf(o.clientSecret, timestamp, o.clientId, i.pathAndQuery);
  const raw = await o.http({
    url: `${o.restBaseUrl}${i.pathAndQuery}`,
    method: 'GET',
    headers: {
      ...i.call.headers,
      accept: 'application/json',
      [TIKI_HEADERS.clientId]: o.clientId,
      [TIKI_HEADERS.timestamp]: timestamp,
      [TIKI_HEADERS.signature]: signature,
    },
    timeoutMs: o.timeoutMs,
    what: i.call.what,
  });
  return readEnvelope(raw, i.dataSchema, { ...i.call, secrets: [...i.call.secrets, signature] });
}
