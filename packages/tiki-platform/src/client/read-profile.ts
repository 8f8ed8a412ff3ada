import { type CustomerProfile, CustomerProfileSchema, TIKI_ERROR_REASONS } from '../facts/schemas.ts';
import { TikiApiError, TikiResponseError } from './errors.ts';
import type { RawResponse } from './http-transport.ts';
import { type CallContext, parseJson, unusableResponse } from './read-envelope.ts';
import { redact } from './redact.ts';
import { describeIssues } from './zod-issues.ts';

/**
 * Open API answers are not enveloped: 2xx is the profile itself, 401 an unusable token, 403 a missing scope,
 * 5xx the platform failing. Tiki does not document the error bodies, so a reason in one is used when present.
 */
export function readProfile(raw: RawResponse, call: CallContext): CustomerProfile {
  if (raw.status >= 200 && raw.status <= 299) {
    const parsed = CustomerProfileSchema.safeParse(parseJson(raw, call));
    if (!parsed.success) {
      throw new TikiResponseError({
        status: raw.status,
        message: `${call.what}: the profile does not match its shape (${describeIssues(parsed.error)})`,
      });
    }
    return parsed.data;
  }
  if (raw.status >= 500) throw unusableResponse(raw, call, 'is an Open API server error');
  const fallback =
    raw.status === 401
      ? TIKI_ERROR_REASONS.invalidToken
      : raw.status === 403
        ? TIKI_ERROR_REASONS.scopeMissing
        : `http_${raw.status}`;
  const reason = raw.status === 401 ? TIKI_ERROR_REASONS.invalidToken : (reasonInBody(raw.text) ?? fallback);
  return throwRefusal(raw, call, reason);
}

function throwRefusal(raw: RawResponse, call: CallContext, reason: string): never {
  throw new TikiApiError({
    reason,
    status: raw.status,
    message: `${call.what}: the Open API refused with ${redact(reason, call.secrets)} (HTTP ${raw.status})`,
  });
}

/** `{ reason }`, `{ error: { reason } }` or OAuth's `{ error: "insufficient_scope" }`. */
function reasonInBody(text: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null) return null;
  const record = body as { reason?: unknown; error?: unknown };
  const nested =
    typeof record.error === 'object' && record.error !== null
      ? (record.error as { reason?: unknown }).reason
      : undefined;
  const candidate = [record.reason, nested, record.error].find(
    (value) => typeof value === 'string' && value !== '',
  );
  return typeof candidate === 'string' && /^[a-z0-9_.-]{1,64}$/i.test(candidate) ? candidate : null;
}
