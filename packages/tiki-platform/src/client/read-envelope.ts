import * as z from 'zod';
import { TikiErrorSchema } from '../facts/schemas.ts';
import { TikiApiError, TikiResponseError } from './errors.ts';
import type { RawResponse } from './http-transport.ts';
import { redact } from './redact.ts';
import { describeIssues } from './zod-issues.ts';

const AnyEnvelopeSchema = z.object({ data: z.unknown(), error: TikiErrorSchema.nullable() });

/** What a call can say about itself in an error message, and what must never appear in one. */
export interface CallContext {
  what: string;
  secrets: readonly string[];
  /** Headers every attempt of this call carries besides its own (the caller's request id). */
  headers?: Readonly<Record<string, string>>;
}

/**
 * A 5xx that is not Tiki's envelope (a gateway page, an empty body) is still the platform failing, so it is a
 * TikiApiError with reason 'server_error', which reads retry. Below 500 it is a response we cannot use.
 */
export function unusableResponse(raw: RawResponse, call: CallContext, problem: string): Error {
  if (raw.status >= 500) {
    return new TikiApiError({
      reason: 'server_error',
      status: raw.status,
      message: `${call.what}: HTTP ${raw.status}; the body ${problem}`,
    });
  }
  return new TikiResponseError({
    status: raw.status,
    message: `${call.what}: HTTP ${raw.status}; the body ${problem}`,
  });
}

export function parseJson(raw: RawResponse, call: CallContext): unknown {
  try {
    return JSON.parse(raw.text);
  } catch {
    const type = raw.contentType ? ` (${raw.contentType.split(';')[0]})` : '';
    throw unusableResponse(raw, call, `is not JSON${type}`);
  }
}

export function tikiRefusal(i: {
  status: number;
  reason: string;
  tikiCode: number | null;
  metadata?: unknown;
  message: string;
  call: CallContext;
}): TikiApiError {
  const via = i.status === 200 ? ' (delivered with HTTP 200)' : ` (HTTP ${i.status})`;
  const reason = i.reason === '' ? 'no reason' : redact(i.reason, i.call.secrets);
  return new TikiApiError({
    reason: i.reason,
    status: i.status,
    tikiCode: i.tikiCode,
    metadata: i.metadata,
    message: `${i.call.what}: Tiki refused with ${reason}: ${redact(i.message, i.call.secrets)}${via}`,
  });
}

/** Reads Tiki's `{ data, error }` envelope: the error wins whatever the HTTP status, then `data` must match. */
export function readEnvelope<T extends z.ZodType>(
  raw: RawResponse,
  dataSchema: T,
  call: CallContext,
): z.infer<T> {
  const envelope = AnyEnvelopeSchema.safeParse(parseJson(raw, call));
  if (!envelope.success) {
    throw unusableResponse(
      raw,
      call,
      `is not Tiki's { data, error } envelope (${describeIssues(envelope.error)})`,
    );
  }
  const { error, data } = envelope.data;
  if (error) {
    const { reason, code, message, metadata } = error;
    throw tikiRefusal({ status: raw.status, reason, tikiCode: code, metadata, message, call });
  }
  if (raw.status < 200 || raw.status > 299) {
    throw unusableResponse(raw, call, 'has no error in its envelope');
  }
  const parsed = dataSchema.safeParse(data);
  if (!parsed.success) {
    throw new TikiResponseError({
      status: raw.status,
      message: `${call.what}: data does not match the documented shape (${describeIssues(parsed.error)})`,
    });
  }
  return parsed.data;
}
