import type { Order } from '@tini-starter/api-contract/payments';
import { DEV_CLIENT_ID, DEV_CLIENT_SECRET } from '@tini-starter/tiki-platform/dev';
import { TIKI_HEADERS } from '@tini-starter/tiki-platform/schemas';
import { signBody } from '@tini-starter/tiki-platform/sign';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Fulfil } from '../src/payments/fulfilment.ts';
import type { OrderRecord } from '../src/store/orders.ts';
import {
  closeAndExpectNoLeak,
  errorOf,
  type Stack,
  startStack,
  tikiCallSent,
} from '../src/testing/harness.ts';

let stack: Stack;
afterEach(() => closeAndExpectNoLeak(stack));

/** A fulfilment hook that counts what it delivered. */
function countingFulfil(): Fulfil & { delivered: string[] } {
  const delivered: string[] = [];
  const fulfil: Fulfil = async (order: OrderRecord) => {
    delivered.push(order.id);
  };
  return Object.assign(fulfil, { delivered });
}

const CART = {
  items: [
    { productId: 'xu-100', quantity: 2 },
    { productId: 'xu-500', quantity: 1 },
  ],
};

async function shop(o: { ipn?: boolean } = {}) {
  const fulfil = countingFulfil();
  stack = await startStack({ fulfil, env: { TIKI_ROUTE_LIMIT_MAX: '1000' } });
  if (o.ipn !== false) stack.routeIpns();
  const token = await stack.loginToken();
  const order = async (cart: unknown = CART, headers: Record<string, string> = {}) =>
    stack.request('POST', '/api/orders', { token, json: cart, headers });
  const read = async (id: string) =>
    (await stack.request('GET', `/api/orders/${id}`, { token })).body as { order: Order };
  return { fulfil, token, order, read };
}

/** Signs an IPN body with the app's pair, as Tiki does. */
function signedIpn(body: string, secret = DEV_CLIENT_SECRET) {
  const timestamp = String(stack.clock.now());
  return {
    'content-type': 'application/json',
    [TIKI_HEADERS.clientId]: DEV_CLIENT_ID,
    [TIKI_HEADERS.timestamp]: timestamp,
    [TIKI_HEADERS.signature]: signBody({ clientId: DEV_CLIENT_ID, clientSecret: secret, timestamp, body }),
  };
}

/** An IPN body, as Tiki's, claiming `order` was paid. */
function paidClaim(order: Order, messageId: string): string {
  return JSON.stringify({
    message_id: messageId,
    message_type: 'notification',
    message_created_at: '2026-12-02T10:00:00+07:00',
    order: {
      id: order.tikiOrderId,
      status: 'online_paid',
      grand_total: order.grandTotal,
      reference_id: order.id,
    },
  });
}

describe('the catalogue and the cart', () => {
  it('lists the products for a signed-in user only', async () => {
    const { token } = await shop();
    expect((await stack.request('GET', '/api/products')).status).toBe(401);
    const products = (await stack.request('GET', '/api/products', { token })).body as { products: unknown[] };
    expect(products.products).toContainEqual({ id: 'xu-100', name: 'Gói 100 xu', price: 10_000 });
  });

  it('maps Tiki’s own cap (an app whose Console limit is lower) to order_amount_limit_exceeded, keeping nothing', async () => {
    const { order, token } = await shop();
    stack.emulator.addApp({
      clientId: DEV_CLIENT_ID,
      clientSecret: DEV_CLIENT_SECRET,
      allowedScopes: ['user_profile', 'offline'],
      orderAmountLimit: 50_000,
    });
    const refused = await order();
    expect([refused.status, errorOf(refused).code]).toEqual([422, 'order_amount_limit_exceeded']);
    expect(stack.emulator.count('create_order')).toBe(1);
    expect((await stack.request('GET', '/api/orders', { token })).body).toEqual({ orders: [] });
  });

  it('follows a limit Tini Console raised (ORDER_AMOUNT_LIMIT_VND), and reads a refusal without a reason by its status', async () => {
    stack = await startStack({ env: { ORDER_AMOUNT_LIMIT_VND: '20000000' } });
    const token = await stack.loginToken();
    stack.emulator.addApp({
      clientId: DEV_CLIENT_ID,
      clientSecret: DEV_CLIENT_SECRET,
      allowedScopes: ['user_profile', 'offline'],
      orderAmountLimit: 20_000_000,
    });
    const big = { items: [{ productId: 'vip-1-nam', quantity: 5 }] };
    const created = await stack.request('POST', '/api/orders', { token, json: big });
    expect([created.status, (created.body as { order: Order }).order.grandTotal]).toEqual([201, 12_500_000]);
    stack.emulator.setFault({ route: 'create_order', kind: 'status', status: 400, reason: '', times: 1 });
    const refused = await stack.request('POST', '/api/orders', { token, json: CART });
    expect([refused.status, errorOf(refused).code]).toEqual([502, 'tiki_order_refused']);
  });

  it('refuses, before calling Tiki, a price in the body, an unknown product, a bad quantity and a total above the cap', async () => {
    const { order } = await shop();
    const answers = [
      await order({ items: [{ productId: 'xu-100', quantity: 1, price: 1 }] }),
      await order({ items: [{ productId: 'no-such', quantity: 1 }] }),
      await order({ items: [{ productId: 'xu-100', quantity: 0 }] }),
      await order({ items: [{ productId: 'xu-100', quantity: 1.5 }] }),
      await order({ items: [{ productId: 'vip-1-nam', quantity: 5 }] }),
      await order({
        items: [
          { productId: 'xu-100', quantity: 1 },
          { productId: 'xu-100', quantity: 2 },
        ],
      }),
    ];
    expect(answers.map((answer) => [answer.status, errorOf(answer).code])).toEqual([
      [400, 'invalid_request'],
      [400, 'unknown_product'],
      [400, 'invalid_request'],
      [400, 'invalid_request'],
      [422, 'order_amount_limit_exceeded'],
      [400, 'invalid_request'],
    ]);
    expect(stack.emulator.count('create_order')).toBe(0);
  });
});

describe('from the cart to a completed Tiki order', () => {
  it('creates Tiki’s order, and a paid IPN fulfils it once and completes it at Tiki', async () => {
    const { fulfil, order, read } = await shop();
    const created = await order();
    expect(created.status).toBe(201);
    const { order: mine } = created.body as { order: Order };
    expect(mine).toMatchObject({
      status: 'draft',
      grandTotal: 2 * 10_000 + 45_000,
      items: [
        { productId: 'xu-100', name: 'Gói 100 xu', quantity: 2, price: 10_000 },
        { productId: 'xu-500', name: 'Gói 500 xu', quantity: 1, price: 45_000 },
      ],
    });
    // Tiki's id, exactly: it exceeds 2^53 and must never pass through a number.
    const tikiOrder = stack.emulator.orders()[0];
    expect(mine.tikiOrderId).toBe(tikiOrder?.id);
    expect(BigInt(mine.tikiOrderId ?? '0') > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(tikiOrder).toMatchObject({ reference_id: mine.id, customerId: '1', grand_total: 65_000 });

    stack.emulator.pay(mine.tikiOrderId ?? '', 'success');
    await stack.emulator.ipnSettled();
    expect(stack.emulator.ipnMessages()[0]).toMatchObject({
      state: 'delivered',
      attempts: [{ status: 200 }],
    });
    expect(fulfil.delivered).toEqual([mine.id]);
    expect(stack.emulator.orders()[0]?.status).toBe('completed');
    expect((await read(mine.id)).order.status).toBe('completed');
    expect(stack.emulator.count('complete_order')).toBe(1);
    // One line says what the IPN did, with its ids; the order service's line carries the same ids.
    const lines = stack.recorder.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const applied = lines.find((line) => line.msg === 'IPN applied');
    const messageId = stack.emulator.ipnMessages()[0]?.messageId;
    expect(applied).toMatchObject({
      messageId,
      tikiOrderId: mine.tikiOrderId,
      orderId: mine.id,
      status: 'completed',
    });
    expect(applied?.reqId).toEqual(expect.any(String));
    expect(lines.find((line) => line.msg === 'order completed at Tiki')).toMatchObject({
      reqId: applied?.reqId,
      messageId,
      tikiOrderId: mine.tikiOrderId,
    });
  });

  it('applies a user’s cancel on the payment screen, and an abandoned payment 4 h later, without fulfilling', async () => {
    const { fulfil, order, read } = await shop();
    const first = ((await order()).body as { order: Order }).order;
    stack.emulator.pay(first.tikiOrderId ?? '', 'cancel');
    await stack.emulator.ipnSettled();
    expect((await read(first.id)).order.status).toBe('canceled');

    const second = ((await order()).body as { order: Order }).order;
    stack.emulator.pay(second.tikiOrderId ?? '', 'abandon');
    stack.clock.advance(2_000);
    expect((await read(second.id)).order.status).toBe('waiting_for_payment');
    stack.clock.advance(4 * 3_600_000);
    stack.emulator.runScheduled();
    await stack.emulator.ipnSettled();
    expect((await read(second.id)).order.status).toBe('canceled');
    expect(fulfil.delivered).toEqual([]);
  });

  it('reaches the true status by reading the order when no IPN comes, re-reading Tiki at most once per interval', async () => {
    const { fulfil, order, read } = await shop({ ipn: false });
    const mine = ((await order()).body as { order: Order }).order;
    stack.emulator.pay(mine.tikiOrderId ?? '', 'success');
    const reads = stack.emulator.count('get_order');
    expect((await read(mine.id)).order.status).toBe('completed');
    expect(fulfil.delivered).toEqual([mine.id]);
    expect(stack.emulator.count('get_order')).toBe(reads + 1);
    // Final: no more calls to Tiki, however often the mini app polls.
    await Promise.all(Array.from({ length: 10 }, () => read(mine.id)));
    expect(stack.emulator.count('get_order')).toBe(reads + 1);
  });

  it('polling an unpaid order asks Tiki once per interval, not once per read', async () => {
    const { order, read } = await shop({ ipn: false });
    const mine = ((await order()).body as { order: Order }).order;
    const before = stack.emulator.count('get_order');
    await Promise.all(Array.from({ length: 10 }, () => read(mine.id)));
    expect(stack.emulator.count('get_order')).toBe(before + 1);
    stack.clock.advance(2_000);
    await read(mine.id);
    expect(stack.emulator.count('get_order')).toBe(before + 2);
  });
});

describe('POST /api/orders is safe to retry', () => {
  it('returns the same order for the same Idempotency-Key, and refuses the key with another cart', async () => {
    const { order } = await shop();
    const key = { 'idempotency-key': 'checkout-0001' };
    const [a, b] = await Promise.all([order(CART, key), order(CART, key)]);
    const answers = [a, b].map((answer) => [
      answer.status,
      (answer.body as { order?: Order }).order?.id ?? errorOf(answer).code,
    ]);
    const third = await order(CART, key);
    expect(third.status).toBe(201);
    const id = (third.body as { order: Order }).order.id;
    // Two at once: one creates, the other gets the same order or is told it is still being created.
    for (const [status, idOrCode] of answers) {
      expect([`201 ${id}`, '409 order_in_progress']).toContain(`${status} ${idOrCode}`);
    }
    expect(stack.emulator.count('create_order')).toBe(1);
    const other = await order({ items: [{ productId: 'xu-100', quantity: 9 }] }, key);
    expect([other.status, errorOf(other).code]).toEqual([422, 'idempotency_key_reused']);
    const malformed = await order(CART, { 'idempotency-key': 'no spaces please' });
    expect(errorOf(malformed).code).toBe('invalid_request');
  });

  it('never retries the create at Tiki: Tiki down is 503, and nothing is kept', async () => {
    const { order, token } = await shop();
    stack.emulator.setFault({ route: 'create_order', kind: 'status', status: 503, times: 1 });
    const down = await order();
    expect([down.status, errorOf(down).code]).toEqual([503, 'upstream_unavailable']);
    expect(stack.emulator.count('create_order')).toBe(1);
    expect((await stack.request('GET', '/api/orders', { token })).body).toEqual({ orders: [] });
    expect((await order()).status).toBe(201);
  });
});

describe('a create whose outcome is unknown never locks its Idempotency-Key', () => {
  /** Holds SQLite's write lock from another connection, as another process would, until release(). */
  function lockDatabase(): { release(): void } {
    const other = new Database(stack.server.dbFile);
    other.exec('BEGIN IMMEDIATE');
    return {
      release() {
        other.exec('ROLLBACK');
        other.close();
      },
    };
  }
  const KEY = { 'idempotency-key': 'checkout-locked-db' };
  // A create lives at most TIKI_TIMEOUT_MS + 3 database waits + 1 s: 1 s + 0.3 s + 1 s here.
  const FAST = { TIKI_TIMEOUT_MS: '1000', DATABASE_BUSY_TIMEOUT_MS: '100' };

  /**
   * A checkout whose Tiki call is slowed, the database locked the moment the create leaves for Tiki (our order
   * is written by then); the lock stays held until the test releases it.
   */
  async function checkoutWhileLocked() {
    stack = await startStack({ env: FAST });
    const token = await stack.loginToken();
    const checkout = () => stack.request('POST', '/api/orders', { token, json: CART, headers: KEY });
    stack.emulator.setFault({ route: 'create_order', kind: 'latency', ms: 300, times: 1 });
    const created = tikiCallSent(stack.recorder, 'POST', '/tiniapp-open-api/order');
    const answer = checkout();
    await created;
    const lock = lockDatabase();
    return { checkout, lock, refused: await answer };
  }

  it('the database locked once Tiki answered: 503, and Tiki’s id is kept when the database comes back', async () => {
    const { checkout, lock, refused } = await checkoutWhileLocked();
    expect([refused.status, errorOf(refused).code]).toEqual([503, 'storage_unavailable']);
    expect(errorOf(refused).message).toMatch(/Tiki created the order.*same Idempotency-Key/);
    lock.release();
    // The background retry stores Tiki's id: the same key now answers the order, payable.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const again = await checkout();
    expect(again.status).toBe(201);
    const { order } = again.body as { order: Order };
    expect(order.tikiOrderId).toBe(stack.emulator.orders()[0]?.id);
    expect(stack.emulator.count('create_order')).toBe(1);
    expect(
      stack.recorder.logLines.some((line) => line.includes('stored the id of the order Tiki created')),
    ).toBe(true);
  });

  it('the database locked for longer: 409 while the attempt may live, then the same key makes a new attempt', async () => {
    const { checkout, lock, refused } = await checkoutWhileLocked();
    expect(refused.status).toBe(503);
    // Past the background retries (waits of 0.1, 0.2, 0.4 and 0.8 s, each retry waiting 0.1 s for the lock):
    // Tiki's draft is out of reach, and the log says so.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    lock.release();
    expect(
      stack.recorder.logLines.some((line) => line.includes('it stays a draft at Tiki nobody can pay')),
    ).toBe(true);
    const soon = await checkout();
    expect([soon.status, errorOf(soon).code]).toEqual([409, 'order_in_progress']);
    stack.clock.advance(2_300);
    const retried = await checkout();
    expect(retried.status).toBe(201);
    expect((retried.body as { order: Order }).order.tikiOrderId).toBe(stack.emulator.orders()[1]?.id);
  });

  it('fingerprints the cart whatever its lines’ order: the same cart reordered is the same order', async () => {
    const { order } = await shop();
    const key = { 'idempotency-key': 'checkout-reordered' };
    const first = await order(CART, key);
    const reordered = await order({ items: [...CART.items].reverse() }, key);
    expect((reordered.body as { order: Order }).order.id).toBe((first.body as { order: Order }).order.id);
    expect(stack.emulator.count('create_order')).toBe(1);
  });
});

describe('the IPN receiver', () => {
  it('refuses a forged or unsigned IPN with 401 and changes nothing', async () => {
    const { fulfil, order, read } = await shop();
    const mine = ((await order()).body as { order: Order }).order;
    const body = paidClaim(mine, '141939182305017886');
    const forged = await stack.request('POST', '/api/tiki/ipn', {
      body,
      headers: signedIpn(body, 'not-our-secret'),
    });
    expect([forged.status, errorOf(forged).code]).toEqual([401, 'invalid_signature']);
    const unsigned = await stack.request('POST', '/api/tiki/ipn', {
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(unsigned.status).toBe(401);
    expect((await read(mine.id)).order.status).toBe('draft');
    expect(fulfil.delivered).toEqual([]);
    expect(
      stack.recorder.logLines.some((line) => line.includes('IPN refused: the signature does not verify')),
    ).toBe(true);
  });

  it('applies Tiki’s status, not the body’s: a signed IPN lying “online_paid” for an unpaid order changes nothing', async () => {
    const { fulfil, order, read } = await shop();
    const mine = ((await order()).body as { order: Order }).order;
    const body = paidClaim(mine, '141939182305017887');
    const answer = await stack.request('POST', '/api/tiki/ipn', { body, headers: signedIpn(body) });
    expect(answer.status).toBe(200);
    expect((await read(mine.id)).order.status).toBe('draft');
    expect(fulfil.delivered).toEqual([]);
  });

  it('keeps an order as it was while Tiki answers a status this code does not know, and moves on once it is known', async () => {
    const { fulfil, order, read } = await shop();
    const mine = ((await order()).body as { order: Order }).order;
    // Tiki adds a status: every answer about an order says "refunded" until this code learns it.
    const inner = stack.recorder.tikiFetch;
    stack.recorder.tikiFetch = async (input, init) => {
      const response = await inner(input, init);
      const text = (await response.text()).replace(/"status":"[a-z_]+"/g, '"status":"refunded"');
      return new Response(text, { status: response.status, headers: response.headers });
    };
    stack.emulator.pay(mine.tikiOrderId ?? '', 'success');
    await stack.emulator.ipnSettled();
    // Recorded and acknowledged: Tiki's retries would not teach the server the status.
    expect(stack.emulator.ipnMessages()[0]).toMatchObject({
      state: 'delivered',
      attempts: [{ status: 200 }],
    });
    expect((await read(mine.id)).order).toMatchObject({ status: 'draft', fulfilledAt: null });
    expect(fulfil.delivered).toEqual([]);
    expect(
      stack.recorder.logLines.some(
        (line) => line.includes('"actual":"refunded"') && line.includes('does not know; recorded'),
      ),
    ).toBe(true);
    stack.clock.advance(60_000);
    await stack.server.sweep();
    expect((await read(mine.id)).order.status).toBe('draft');
    expect(
      stack.recorder.logLines.some(
        (line) => line.includes('"status":"refunded"') && line.includes('stays as it was'),
      ),
    ).toBe(true);

    // Known again (a new release knows it, or Tiki answers one we know): the sweep delivers the paid order.
    stack.recorder.tikiFetch = inner;
    stack.clock.advance(60_000);
    await stack.server.sweep();
    expect((await read(mine.id)).order.status).toBe('completed');
    expect(fulfil.delivered).toEqual([mine.id]);
  });

  it('refuses a malformed body (400) and an order that is not ours (404), so Tiki stops retrying them', async () => {
    await shop();
    const notJson = 'not json';
    expect(
      (await stack.request('POST', '/api/tiki/ipn', { body: notJson, headers: signedIpn(notJson) })).status,
    ).toBe(400);
    const body = JSON.stringify({
      message_id: '1',
      message_type: 'notification',
      message_created_at: '2026-12-02T10:00:00+07:00',
      order: { id: '42', status: 'online_paid', grand_total: 1, reference_id: 'ord_nobody' },
    });
    expect((await stack.request('POST', '/api/tiki/ipn', { body, headers: signedIpn(body) })).status).toBe(
      404,
    );
  });

  it('fulfils and completes once under duplicate and concurrent IPNs', async () => {
    const { fulfil, order, read } = await shop();
    const mine = ((await order()).body as { order: Order }).order;
    // The first delivery fails (Tiki's re-read is down: 503, Tiki will retry); then five copies arrive at once.
    stack.emulator.setFault({ route: 'get_order', kind: 'status', status: 503, times: 3 });
    stack.emulator.pay(mine.tikiOrderId ?? '', 'success');
    await stack.emulator.ipnSettled();
    expect(stack.emulator.ipnMessages()[0]?.attempts[0]?.status).toBe(503);
    const messageId = stack.emulator.ipnMessages()[0]?.messageId ?? '';
    const copies = await stack.emulator.duplicateIpn(messageId, 5);
    expect(copies.map((copy) => copy.status).sort()).toEqual([200, 200, 200, 200, 200]);
    expect(fulfil.delivered).toEqual([mine.id]);
    expect((await read(mine.id)).order.status).toBe('completed');
    // Tiki's own retry a minute later is acknowledged as already applied.
    stack.clock.advance(60_000);
    stack.emulator.runScheduled();
    await stack.emulator.ipnSettled();
    expect(stack.emulator.ipnMessages()[0]?.state).toBe('delivered');
    expect(fulfil.delivered).toEqual([mine.id]);
  });

  it('answers 200 once recorded when Tiki fails the complete; the sweep completes it later, without fulfilling again', async () => {
    const { fulfil, order, read } = await shop();
    const mine = ((await order()).body as { order: Order }).order;
    stack.emulator.setFault({ route: 'complete_order', kind: 'status', status: 503, times: 1 });
    stack.emulator.pay(mine.tikiOrderId ?? '', 'success');
    await stack.emulator.ipnSettled();
    expect(stack.emulator.ipnMessages()[0]).toMatchObject({
      state: 'delivered',
      attempts: [{ status: 200 }],
    });
    expect(fulfil.delivered).toEqual([mine.id]);
    // A read within the retry delay leaves the completion alone: the fulfiller may still be completing it.
    expect((await read(mine.id)).order).toMatchObject({
      status: 'online_paid',
      fulfilledAt: expect.any(String),
    });
    stack.clock.advance(30_000);
    await stack.server.sweep();
    expect((await read(mine.id)).order.status).toBe('completed');
    expect(stack.emulator.count('complete_order')).toBe(2);
    expect(fulfil.delivered).toEqual([mine.id]);
  });

  it('never answers 500 for a Tiki refusal: a refused complete or a refused re-read is recorded and answered 200', async () => {
    const { fulfil, order, read } = await shop();
    const refusedComplete = ((await order()).body as { order: Order }).order;
    stack.emulator.setFault({ route: 'complete_order', kind: 'status', status: 400, times: 1 });
    stack.emulator.pay(refusedComplete.tikiOrderId ?? '', 'success');
    await stack.emulator.ipnSettled();
    expect(stack.emulator.ipnMessages()[0]?.attempts.map((a) => a.status)).toEqual([200]);
    expect(fulfil.delivered).toEqual([refusedComplete.id]);

    const refusedRead = ((await order()).body as { order: Order }).order;
    stack.emulator.setFault({ route: 'get_order', kind: 'status', status: 404, times: 1 });
    stack.emulator.pay(refusedRead.tikiOrderId ?? '', 'success');
    await stack.emulator.ipnSettled();
    const answer = stack.emulator.ipnMessages()[1];
    expect(answer?.attempts.map((a) => a.status)).toEqual([200]);
    expect(fulfil.delivered).toEqual([refusedComplete.id]);
    expect(
      stack.recorder.logLines.some((line) => line.includes('Tiki refused the re-read of the order')),
    ).toBe(true);
    // Tiki's retry is acknowledged as seen; the sweep reads both orders again and ends them.
    expect((await stack.emulator.resendIpn(answer?.messageId ?? '')).status).toBe(200);
    stack.clock.advance(30_000);
    await stack.server.sweep();
    expect((await read(refusedComplete.id)).order.status).toBe('completed');
    expect((await read(refusedRead.id)).order.status).toBe('completed');
    expect(fulfil.delivered).toEqual([refusedComplete.id, refusedRead.id]);
  });

  it('a server down during an IPN gets it on Tiki’s retry, a minute later', async () => {
    const { fulfil, order, read } = await shop();
    const mine = ((await order()).body as { order: Order }).order;
    await stack.server.close();
    stack.emulator.pay(mine.tikiOrderId ?? '', 'success');
    await stack.emulator.ipnSettled();
    expect(stack.emulator.ipnMessages()[0]?.attempts).toEqual([
      expect.objectContaining({ status: 0, outcome: 'failed' }),
    ]);
    await stack.restartServer();
    stack.routeIpns();
    stack.clock.advance(60_000);
    stack.emulator.runScheduled();
    await stack.emulator.ipnSettled();
    expect(stack.emulator.ipnMessages()[0]?.state).toBe('delivered');
    expect(fulfil.delivered).toEqual([mine.id]);
    expect((await read(mine.id)).order.status).toBe('completed');
  });

  it('keeps the newer status when two IPNs arrive out of order', async () => {
    const { fulfil, order, read } = await shop();
    const mine = ((await order()).body as { order: Order }).order;
    const tikiId = mine.tikiOrderId ?? '';
    // Both notifications miss us at first: paid, then (a minute later) canceled at Tiki with a refund.
    stack.routeIpns('http://127.0.0.1:9/nowhere');
    stack.emulator.pay(tikiId, 'success');
    stack.clock.advance(60_000);
    const origin = stack.emulator.baseUrls().openApiBaseUrl;
    expect((await fetch(`${origin}/__emulator/orders/${tikiId}/cancel`, { method: 'POST' })).status).toBe(
      200,
    );
    await stack.emulator.ipnSettled();
    // Then they arrive, the newer first.
    stack.routeIpns();
    const attempts = await stack.emulator.sendIpnsOutOfOrder(tikiId);
    expect(attempts.map((attempt) => attempt.status)).toEqual([200, 200]);
    expect((await read(mine.id)).order.status).toBe('canceled');
    expect(fulfil.delivered).toEqual([]);
    expect(
      stack.recorder.logLines.some((line) => line.includes('IPN older than one already applied: ignored')),
    ).toBe(true);
  });

  it('applies an IPN that arrives before the create answer was stored, found by our reference id', async () => {
    const { fulfil, order } = await shop();
    // Our order as it is while Tiki's answer is on its way: written, `creating`, no Tiki id yet.
    const token = await stack.loginToken();
    const user = (await stack.request('GET', '/api/me', { token })).body as { user: { id: string } };
    const created = await stack.server.store.createOrder(
      {
        id: 'ord_early',
        userId: user.user.id,
        grandTotal: 10_000,
        items: [{ productId: 'xu-100', name: 'Gói 100 xu', quantity: 1, price: 10_000 }],
        idempotencyKey: null,
        requestHash: null,
        now: stack.clock.now(),
      },
      { windowMs: 86_400_000, creatingStaleMs: 86_400_000 },
    );
    expect(created.created).toBe(true);
    await order(); // any order, so that the emulator's order below is the second
    const { createTikiClient } = await import('@tini-starter/tiki-platform/client');
    const client = createTikiClient({
      clientId: DEV_CLIENT_ID,
      clientSecret: DEV_CLIENT_SECRET,
      ...stack.emulator.baseUrls(),
      transport: 'rest',
      clock: stack.clock,
      timeoutMs: 5_000,
    });
    const tikiOrder = await client.createOrder({
      customer_id: '1',
      items: [{ name: 'Gói 100 xu', quantity: 1, price: 10_000 }],
      reference_id: 'ord_early',
    });
    stack.emulator.pay(tikiOrder.id, 'success');
    await stack.emulator.ipnSettled();
    expect(fulfil.delivered).toContain('ord_early');
    // The create answer lands now: it must not undo what the IPN applied.
    const attached = await stack.server.store.attachTikiOrder('ord_early', {
      tikiOrderId: tikiOrder.id,
      status: 'draft',
      now: stack.clock.now(),
    });
    expect(attached).toMatchObject({ status: 'completed', tikiOrderId: tikiOrder.id });
  });
});

describe('the user’s orders', () => {
  it('lists them newest first, a page at a time, and never shows another user’s', async () => {
    const { order, token } = await shop();
    const ids: string[] = [];
    for (let i = 0; i < 22; i++) {
      stack.clock.advance(1_000);
      ids.push(((await order()).body as { order: Order }).order.id);
    }
    const first = (await stack.request('GET', '/api/orders', { token })).body as {
      orders: Order[];
      next: string;
    };
    expect(first.orders.map((o) => o.id)).toEqual(ids.slice().reverse().slice(0, 20));
    const second = (await stack.request('GET', `/api/orders?cursor=${first.next}`, { token })).body as {
      orders: Order[];
      next?: string;
    };
    expect(second.orders.map((o) => o.id)).toEqual([ids[1], ids[0]]);
    expect(second.next).toBeUndefined();
    expect(errorOf(await stack.request('GET', '/api/orders?cursor=bogus', { token })).code).toBe(
      'invalid_request',
    );

    const other = await stack.loginToken({ customerId: 2 });
    expect((await stack.request('GET', '/api/orders', { token: other })).body).toEqual({ orders: [] });
    const theirs = await stack.request('GET', `/api/orders/${ids[0]}`, { token: other });
    expect([theirs.status, errorOf(theirs).code]).toEqual([404, 'not_found']);
  });

  it('cancels an unpaid order at Tiki, and refuses to cancel a paid one (409)', async () => {
    const { order, token } = await shop();
    const unpaid = ((await order()).body as { order: Order }).order;
    const canceled = await stack.request('POST', `/api/orders/${unpaid.id}/cancel`, { token });
    expect((canceled.body as { order: Order }).order.status).toBe('canceled');
    expect(stack.emulator.orders()[0]?.status).toBe('canceled');

    const paid = ((await order()).body as { order: Order }).order;
    // Paid, and its IPN not yet in: the cancel reads Tiki first and refuses.
    stack.routeIpns('http://127.0.0.1:9/nowhere');
    stack.emulator.pay(paid.tikiOrderId ?? '', 'success');
    const refused = await stack.request('POST', `/api/orders/${paid.id}/cancel`, { token });
    expect([refused.status, errorOf(refused).code]).toEqual([409, 'order_not_cancelable']);
    expect(stack.emulator.orders()[1]?.status).toBe('completed');
  });
});
