/**
 * What the `POST /api/tiki/ipn` row sends, and its baseline: one paid and completed order, then Tiki's
 * notifications about it, each with a new message_id (so none is deduped away: each is verified, looked up,
 * re-read from Tiki and recorded), signed with the app's pair beforehand, as the login rows' requests are.
 * The receiver accepts a signature of any age (see apps/server/src/payments/ipn.ts), so they can be built once.
 */
import { ROUTES } from '@tini-starter/api-contract/auth';
import { DEV_CLIENT_ID, DEV_CLIENT_SECRET } from '@tini-starter/tiki-platform/dev';
import { TIKI_PAYMENT_PATHS } from '@tini-starter/tiki-platform/payments';
import { TIKI_HEADERS } from '@tini-starter/tiki-platform/schemas';
import { canonicalPathAndQuery, signGet } from '@tini-starter/tiki-platform/sign';
import { signedIpn } from '@tini-starter/tiki-platform/testing/ipn';
import type { Child } from './child.ts';
import type { Shot } from './load-generator.ts';
import type { LoggedInUser } from './users.ts';

export interface PaidOrder {
  id: string;
  tikiOrderId: string;
  grandTotal: number;
}

/** One order bought by `user` through the server, paid on the emulator's payment screen and completed. */
export async function paidOrder(o: {
  emulator: Child;
  serverOrigin: string;
  user: LoggedInUser;
}): Promise<PaidOrder> {
  const auth = { authorization: `Bearer ${o.user.token}` };
  const created = await fetch(`${o.serverOrigin}/api/orders`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ items: [{ productId: 'xu-100', quantity: 1 }] }),
  });
  if (created.status !== 201)
    throw new Error(`bench: POST /api/orders answered ${created.status}: ${await created.text()}`);
  const { order } = (await created.json()) as { order: PaidOrder };
  const paid = await fetch(`${o.emulator.origin}/__emulator/orders/${order.tikiOrderId}/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ outcome: 'success' }),
  });
  if (paid.status !== 200) throw new Error(`bench: the emulator's payment screen answered ${paid.status}`);
  // The bench's emulator sends no IPN: reading the order makes the server re-read, fulfil and complete it.
  const read = await fetch(`${o.serverOrigin}/api/orders/${order.id}`, { headers: auth });
  const { order: after } = (await read.json()) as { order: { status: string } };
  if (after.status !== 'completed') throw new Error(`bench: the order is ${after.status}, not completed`);
  return order;
}

let nextMessageId = 141_939_182_305_017_886n;

/** `count` notifications about `order`, each a new message, signed now. */
export function ipnShots(order: PaidOrder, count: number): Shot[] {
  const timestamp = Date.now();
  return Array.from({ length: count }, () => {
    nextMessageId += 1n;
    const ipn = signedIpn({
      order: {
        id: order.tikiOrderId,
        status: 'completed',
        grand_total: order.grandTotal,
        reference_id: order.id,
      },
      messageId: nextMessageId.toString(),
      timestamp,
    });
    return { method: 'POST' as const, path: ROUTES.tikiIpn.path, headers: ipn.headers, body: ipn.body };
  });
}

/** The baseline: the emulator's signed `GET /order` alone, signed now (the emulator allows 60 s). */
export function tikiGetOrderShot(order: PaidOrder): Shot {
  const pathAndQuery = canonicalPathAndQuery(TIKI_PAYMENT_PATHS.getOrder, { order_id: order.tikiOrderId });
  const timestamp = String(Date.now());
  return {
    path: `/tiniapp-open-api${pathAndQuery}`,
    headers: {
      [TIKI_HEADERS.clientId]: DEV_CLIENT_ID,
      [TIKI_HEADERS.timestamp]: timestamp,
      [TIKI_HEADERS.signature]: signGet({
        clientId: DEV_CLIENT_ID,
        clientSecret: DEV_CLIENT_SECRET,
        timestamp,
        pathAndQuery,
      }),
    },
  };
}
