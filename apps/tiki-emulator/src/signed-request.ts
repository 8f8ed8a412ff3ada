import { TIKI_HEADERS } from '@tini-starter/tiki-platform/schemas';
import { buildPayload, type Verdict, verifySignature } from '@tini-starter/tiki-platform/signature';
import express, { type Request } from 'express';
import type { z } from 'zod';
import { TikiRejection } from './rejection.ts';
import type { RequestContext } from './request-context.ts';
import { maskCredentialsInText } from './tokens.ts';
import type { EmulatorApp } from './types.ts';

export const BODY_LIMIT_BYTES = 16 * 1024;

/**
 * Reads the body as the exact bytes received, whatever the content type (checked afterwards with a clear
 * error), up to 16 KB. No inflation: Tiki signs the bytes on the wire.
 */
export const readRawBody = express.raw({ type: () => true, limit: BODY_LIMIT_BYTES, inflate: false });

export function rawBodyOf(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

export function requireJsonContentType(req: Request): void {
  const type = req.get('content-type');
  if (type === undefined || !req.is('application/json')) {
    const got = type === undefined ? 'none' : JSON.stringify(clip(type));
    throw new TikiRejection('invalid_request', `content type must be application/json, got ${got}`);
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1];
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
    throw new TikiRejection(
      'invalid_request',
      `JSON must be UTF-8, got charset ${JSON.stringify(clip(charset))}`,
    );
  }
}

/** The app named by X-Tiniapp-Client-Id, which must be registered. */
export function requireApp(
  req: Request,
  context: RequestContext,
  getApp: (clientId: string) => EmulatorApp | undefined,
): EmulatorApp {
  const clientId = req.get(TIKI_HEADERS.clientId);
  if (clientId === undefined || clientId === '') {
    throw new TikiRejection('invalid_client', 'missing header X-Tiniapp-Client-Id');
  }
  context.clientId = clip(clientId);
  const app = getApp(clientId);
  if (app === undefined) {
    throw new TikiRejection('invalid_client', `unknown client id ${JSON.stringify(clip(clientId))}`);
  }
  return app;
}

/** Verifies X-Tiniapp-Timestamp and X-Tiniapp-Signature over the raw bytes received. */
export function requireValidSignature(req: Request, app: EmulatorApp, raw: Buffer, now: number): void {
  const timestamp = req.get(TIKI_HEADERS.timestamp);
  const verdict = verifySignature({
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    timestamp,
    signature: req.get(TIKI_HEADERS.signature),
    content: raw,
    now,
  });
  if (verdict.ok) return;
  // Only the body is masked: the `timestamp.clientKey.` prefix is what the developer compares first.
  const expectedPayload =
    verdict.reason === 'signature_mismatch' && timestamp !== undefined
      ? buildPayload(timestamp, app.clientId, maskCredentialsInText(raw.toString('utf8')))
      : undefined;
  throw signatureRejection(verdict, expectedPayload);
}

/** Tiki's one reason for every signature problem; the message names the cause (stale, mismatch...). */
export function signatureRejection(
  verdict: Extract<Verdict, { ok: false }>,
  expectedPayload: string | undefined,
): TikiRejection {
  return new TikiRejection(
    'invalid_signature',
    `invalid signature (${verdict.reason}): ${verdict.message}`,
    400,
    expectedPayload,
  );
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses the raw body (already verified) as JSON matching `schema`. */
export function parseJsonBody<T>(raw: Buffer, schema: z.ZodType<T>): T {
  if (raw.length === 0)
    throw new TikiRejection('invalid_request', 'the body is empty; expected a JSON object');
  let text: string;
  try {
    text = strictUtf8.decode(raw);
  } catch {
    throw new TikiRejection('invalid_request', 'the body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TikiRejection('invalid_request', 'the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TikiRejection('invalid_request', 'the body must be a JSON object');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'body';
    const key = issue?.path[0];
    const missing = typeof key === 'string' && (value as Record<string, unknown>)[key] === undefined;
    const problem = missing ? 'is missing' : `is invalid (${issue?.message ?? 'unexpected value'})`;
    throw new TikiRejection('invalid_request', `field "${field}" ${problem}`);
  }
  return parsed.data;
}

function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
