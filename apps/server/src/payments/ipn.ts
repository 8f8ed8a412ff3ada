/**
 * POST /api/tiki/ipn: Tiki's payment notifications (docs/backend-api/payment/ipn.md), the URL set in Tini
 * Console. Tiki retries on a 5xx, no answer within 15 s or a network error, so this answers 2xx once the message
 * is handled, 4xx for a message it will never accept (unsigned, malformed, not ours), and 5xx only when it wants
 * Tiki to try again later (our store or Tiki's re-read is down).
 *
 * - The three X-Tiniapp-* headers are verified over the raw bytes with our key pair, in constant time.
 * - Tiki's docs say nothing of how a retry is signed (a fresh timestamp, or the first one), so a stale timestamp
 *   alone does not refuse an IPN: the message is only a hint, and re-reading the order from Tiki (a signed GET we
 *   make ourselves) makes a replayed one harmless. A stale timestamp is logged.
 * - The body's status is never trusted: the order is re-read from Tiki, and Tiki's answer is what is applied.
 * - Deduped by message_id; a message older (message_created_at) than one already applied is ignored.
 * - Its own lines hold only fields picked here (ids, statuses, a reason), so they go through `auditLog`, which
 *   redacts under `err` only: the wildcard redaction and a child logger per IPN cost it about 50 µs of CPU. What
 *   the order service and a fork's fulfilment hook log goes through the request's fully redacting logger.
 */

import type { TikiClient } from '@tini-starter/tiki-platform/client';
import type { Clock } from '@tini-starter/tiki-platform/clock';
import { IpnMessageSchema } from '@tini-starter/tiki-platform/payments';
import { TIKI_HEADERS } from '@tini-starter/tiki-platform/schemas';
import { verifySignature } from '@tini-starter/tiki-platform/verify';
import express, { type Request, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ApiError } from '../http/api-error.ts';
import { RequestCaller } from '../http/request-caller.ts';
import type { Store } from '../store/store.ts';
import type { OrderService } from './order-service.ts';

/** Older than this, an IPN's signature timestamp is logged as stale (and still accepted, see above). */
const STALE_AFTER_MS = 5 * 60_000;
/** ipn.md's example is a small pretty-printed JSON object; anything far larger is not Tiki's. */
const IPN_BODY_LIMIT_BYTES = 64 * 1024;

export interface IpnOptions {
  store: Store;
  tiki: TikiClient;
  orders: OrderService;
  clock: Clock;
  clientId: string;
  clientSecret: string;
  /** For the IPN's own lines (see pickedFieldsLogger): every field is picked where the line is written. */
  auditLog: Logger;
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

export function ipnHandlers(o: IpnOptions): RequestHandler[] {
  const rawBody = express.raw({ type: () => true, limit: IPN_BODY_LIMIT_BYTES, inflate: false });

  const handle: RequestHandler = async (req, res) => {
    const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const timestamp = header(req, TIKI_HEADERS.timestamp);
    const reqId = req.id;
    if (header(req, TIKI_HEADERS.clientId) !== o.clientId) {
      o.auditLog.warn({ reqId }, 'IPN refused: X-Tiniapp-Client-Id is not our client id');
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
      o.auditLog.warn({ reqId, reason: verdict.reason }, 'IPN refused: the signature does not verify');
      throw new ApiError('invalid_signature', 'The X-Tiniapp-* signature does not verify');
    }
    const age = o.clock.now() - Number(timestamp);
    if (Math.abs(age) > STALE_AFTER_MS)
      o.auditLog.info({ reqId, ageMs: age }, 'IPN signed long ago: accepted, Tiki is re-read');

    let parsed: ReturnType<typeof IpnMessageSchema.safeParse>;
    try {
      parsed = IpnMessageSchema.safeParse(JSON.parse(raw.toString('utf8')));
    } catch {
      throw new ApiError('invalid_request', 'The IPN body is not JSON');
    }
    if (!parsed.success) throw new ApiError('invalid_request', 'The IPN body is not a Tiki notification');
    const message = parsed.data;
    const ids = { reqId, messageId: message.message_id, tikiOrderId: message.order.id };
    const log = o.auditLog;
    // Its logger is made only when the order service logs (a fulfilment, a completion): most IPNs never need it.
    const caller = new RequestCaller(req, {
      bindings: { messageId: ids.messageId, tikiOrderId: ids.tikiOrderId },
    });

    if (await o.store.hasIpnMessage(message.message_id)) {
      log.info(ids, 'IPN already applied: acknowledged again');
      res.json({ ok: true, duplicate: true });
      return;
    }
    const byReference =
      message.order.reference_id === '' ? null : await o.store.getOrder(message.order.reference_id);
    const order = byReference ?? (await o.store.findOrderByTikiId(message.order.id));
    if (order === null || (order.tikiOrderId !== null && order.tikiOrderId !== message.order.id)) {
      log.warn(ids, 'IPN for an order we do not have: refused');
      throw new ApiError('not_found', 'No such order');
    }
    const messageAt = Date.parse(message.message_created_at);
    if (order.lastMessageAt !== null && messageAt < order.lastMessageAt) {
      log.info(ids, 'IPN older than one already applied: ignored');
      await o.store.recordIpnMessage({
        messageId: message.message_id,
        orderId: order.id,
        createdAt: messageAt,
        now: o.clock.now(),
      });
      res.json({ ok: true, ignored: 'older' });
      return;
    }

    // The body says what happened; Tiki, asked with our own signed call, says what is true.
    const tikiOrder = await o.tiki.getOrder(message.order.id, { requestId: reqId });
    if (tikiOrder.reference_id !== '' && tikiOrder.reference_id !== order.id) {
      log.warn({ ...ids, orderId: order.id }, 'IPN names an order Tiki ties to another reference: refused');
      throw new ApiError('not_found', 'No such order');
    }
    if (tikiOrder.status !== message.order.status) {
      log.warn(
        { ...ids, claimed: message.order.status, actual: tikiOrder.status },
        'IPN status differs from Tiki’s: Tiki’s applied',
      );
    }
    const applied = await o.orders.applyFromTiki(order, tikiOrder, messageAt, caller);
    await o.store.recordIpnMessage({
      messageId: message.message_id,
      orderId: order.id,
      createdAt: messageAt,
      now: o.clock.now(),
    });
    log.info({ ...ids, orderId: order.id, status: applied.status }, 'IPN applied');
    res.json({ ok: true });
  };

  return [rawBody, handle];
}
