/**
 * POST /api/tiki/ipn: Tiki's payment notifications, the URL set in Tini Console. This is the HTTP side; what a
 * verified message does is payments/ipn.ts. Tiki retries on a 5xx, no answer within 15 s or a network error, so
 * this answers 2xx once the message is recorded, 4xx for a message it will never accept (unsigned, malformed,
 * not ours), and 503 only when it wants Tiki to try again later (our store, or Tiki's re-read, is down).
 *
 * - The three X-Tiniapp-* headers are verified over the raw bytes with our key pair, in constant time.
 * - Tiki's docs say nothing of how a retry is signed (a fresh timestamp, or the first one), so a stale timestamp
 *   alone does not refuse an IPN: the message is only a hint, and re-reading the order from Tiki (a signed GET we
 *   make ourselves) makes a replayed one harmless. A stale timestamp is logged.
 */
import { ROUTES } from '@tini-starter/api-contract/auth';
import type { Clock } from '@tini-starter/tiki-platform/clock';
import { IpnMessageSchema } from '@tini-starter/tiki-platform/payments';
import { TIKI_HEADERS } from '@tini-starter/tiki-platform/schemas';
import { verifySignature } from '@tini-starter/tiki-platform/verify';
import express, { type Request } from 'express';
import type { Logger } from 'pino';
import { ApiError } from '../http/api-error.ts';
import { type ContractRouter, contractRouter } from '../http/contract-route.ts';
import { RequestCaller } from '../http/request-caller.ts';
import type { IpnReceiver } from '../payments/ipn.ts';

/** Older than this, an IPN's signature timestamp is logged as stale (and still accepted, see above). */
const STALE_AFTER_MS = 5 * 60_000;
/** ipn.md's example is a small pretty-printed JSON object; anything far larger is not Tiki's. */
const IPN_BODY_LIMIT_BYTES = 64 * 1024;

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

export function ipnRoute(o: {
  receiver: IpnReceiver;
  clock: Clock;
  clientId: string;
  clientSecret: string;
  logger: Logger;
}): ContractRouter {
  const routes = contractRouter([ROUTES.tikiIpn]);
  const rawBody = express.raw({ type: () => true, limit: IPN_BODY_LIMIT_BYTES, inflate: false });

  routes.on(ROUTES.tikiIpn, rawBody, async (req, res) => {
    const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const timestamp = header(req, TIKI_HEADERS.timestamp);
    const reqId = req.id;
    if (header(req, TIKI_HEADERS.clientId) !== o.clientId) {
      o.logger.warn({ reqId }, 'IPN refused: X-Tiniapp-Client-Id is not our client id');
      throw new ApiError('invalid_signature', 'Not signed for this app');
    }
    const verdict = verifySignature({
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      timestamp,
      signature: header(req, TIKI_HEADERS.signature),
      content: raw,
      now: o.clock.now(),
      // Freshness is not required (see above); the signature over these exact bytes is.
      windowMs: Number.MAX_SAFE_INTEGER,
    });
    if (!verdict.ok) {
      o.logger.warn({ reqId, reason: verdict.reason }, 'IPN refused: the signature does not verify');
      throw new ApiError('invalid_signature', 'The X-Tiniapp-* signature does not verify');
    }
    const age = o.clock.now() - Number(timestamp);
    if (Math.abs(age) > STALE_AFTER_MS)
      o.logger.info({ reqId, ageMs: age }, 'IPN signed long ago: accepted, Tiki is re-read');

    let parsed: ReturnType<typeof IpnMessageSchema.safeParse>;
    try {
      parsed = IpnMessageSchema.safeParse(JSON.parse(raw.toString('utf8')));
    } catch {
      throw new ApiError('invalid_request', 'The IPN body is not JSON');
    }
    if (!parsed.success) throw new ApiError('invalid_request', 'The IPN body is not a Tiki notification');
    const message = parsed.data;
    // Its logger is made only when the lifecycle logs (a fulfilment, a completion): most IPNs never need it.
    const caller = new RequestCaller(req, {
      bindings: { messageId: message.message_id, tikiOrderId: message.order.id },
    });
    // A failure (Tiki's re-read got no answer, the store is down) is answered 503 by the error handler: Tiki retries.
    const outcome = await o.receiver.receive(message, caller);
    // What the metrics count this answer as (http/measure-requests.ts).
    res.locals.ipnOutcome = outcome.kind;
    switch (outcome.kind) {
      case 'unknown_order':
        throw new ApiError('not_found', 'No such order');
      case 'applied':
        res.json({ ok: true });
        return;
      case 'duplicate':
        res.json({ ok: true, duplicate: true });
        return;
      case 'older':
        res.json({ ok: true, ignored: 'older' });
        return;
      case 'reread_refused':
        res.json({ ok: true, ignored: 'tiki_refused_reread' });
        return;
      case 'unknown_status':
        res.json({ ok: true, ignored: 'unknown_status' });
        return;
    }
  });
  return routes;
}
