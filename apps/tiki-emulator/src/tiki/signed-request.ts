import { buildPayload } from '@tini-starter/tiki-platform/payload';
import { TIKI_ERROR_REASONS, TIKI_HEADERS } from '@tini-starter/tiki-platform/schemas';
import { type Verdict, verifySignature } from '@tini-starter/tiki-platform/verify';
import type { Request } from 'express';
import { clip, rawBodyOf, requireJsonContentType } from '../http/json-body.ts';
import type { RequestContext } from '../http/request-context.ts';
import type { EmulatorApp } from '../state/state.ts';
import { maskCredentialsInText } from '../state/tokens.ts';
import { TikiRejection } from './rejection.ts';

/** The app named by X-Tiniapp-Client-Id, which must be registered. */
export function requireApp(
  req: Request,
  context: RequestContext,
  getApp: (clientId: string) => EmulatorApp | undefined,
): EmulatorApp {
  const clientId = req.get(TIKI_HEADERS.clientId);
  if (clientId === undefined || clientId === '') {
    throw new TikiRejection(TIKI_ERROR_REASONS.invalidClient, 'missing header X-Tiniapp-Client-Id');
  }
  context.clientId = clip(clientId);
  const app = getApp(clientId);
  if (app === undefined) {
    throw new TikiRejection(
      TIKI_ERROR_REASONS.invalidClient,
      `unknown client id ${JSON.stringify(clip(clientId))}`,
    );
  }
  return app;
}

/**
 * How far a signature timestamp may be from the emulator's clock, either way, by default. Tiki's Platform
 * signature doc states no window; the only one documented for `X-Tiniapp-*` headers is 1 minute (an earlier
 * revision of its SDK signature doc), so the emulator is that strict: drift shows up in development, not in
 * production. Configurable (`signatureWindowMs`, TIKI_EMULATOR_SIGNATURE_WINDOW_MS).
 */
export const DEFAULT_SIGNATURE_WINDOW_MS = 60_000;

/** Verifies X-Tiniapp-Timestamp and X-Tiniapp-Signature over the raw bytes received. */
export function requireValidSignature(
  req: Request,
  app: EmulatorApp,
  raw: Buffer,
  check: { now: number; windowMs: number },
): void {
  const timestamp = req.get(TIKI_HEADERS.timestamp);
  const verdict = verifySignature({
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    timestamp,
    signature: req.get(TIKI_HEADERS.signature),
    content: raw,
    now: check.now,
    windowMs: check.windowMs,
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
    TIKI_ERROR_REASONS.invalidSignature,
    `invalid signature (${verdict.reason}): ${verdict.message}`,
    400,
    expectedPayload,
    verdict.reason,
  );
}

export interface SignatureCheck {
  getApp: (clientId: string) => EmulatorApp | undefined;
  now: () => number;
  windowMs: number;
}

/** A signed POST: content type, client id, then the signature over the raw bytes, and only then the JSON. */
export function verifiedPost(req: Request, context: RequestContext, check: SignatureCheck) {
  requireJsonContentType(req);
  const app = requireApp(req, context, check.getApp);
  const raw = rawBodyOf(req);
  requireValidSignature(req, app, raw, { now: check.now(), windowMs: check.windowMs });
  return { app, raw };
}

/**
 * A signed GET: the signature covers the path and query exactly as requested, without the base path
 * (`/order?order_id=1` under `/tiniapp-open-api`), as Tiki's GET vector signs it.
 */
export function verifiedGet(req: Request, context: RequestContext, check: SignatureCheck, basePath: string) {
  const app = requireApp(req, context, check.getApp);
  const requested = req.originalUrl.startsWith(basePath)
    ? req.originalUrl.slice(basePath.length)
    : req.originalUrl;
  requireValidSignature(req, app, Buffer.from(requested, 'utf8'), {
    now: check.now(),
    windowMs: check.windowMs,
  });
  return { app };
}
