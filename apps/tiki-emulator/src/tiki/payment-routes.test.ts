import { ORDER_AMOUNT_LIMIT_VND, TIKI_PAYMENT_REASONS } from '@tini-starter/tiki-platform/payments';
import { describe, expect, it } from 'vitest';
import {
  DEV,
  type Envelope,
  json,
  OTHER_APP,
  signedGet,
  signedPost,
  startEmulator,
  tikiClient,
} from '../testing/harness.ts';

const cart = (over: Record<string, unknown> = {}) => ({
  customer_id: '1',
  items: [
    { name: 'Gói 100 xu', quantity: 2, price: 50_000 },
    { name: 'Gói 500 xu', quantity: 1, price: 200_000 },
  ],
  reference_id: 'ord_1',
  ...over,
});

async function refusal(response: Response) {
  return { status: response.status, error: (await json<Envelope<unknown>>(response)).error };
}

describe('POST /order, GET /order, GET /order/list', () => {
  it('creates a draft order with an 18-digit string id above 2^53, and reads it back one by one or listed', async () => {
    const run = await startEmulator();
    const client = tikiClient(run);
    const order = await client.createOrder(cart({ shipping_fee: 15_000 }));
    expect(order).toEqual({
      id: expect.stringMatching(/^\d{18}$/),
      status: 'draft',
      grand_total: 2 * 50_000 + 200_000 + 15_000,
      tiki_order_id: '',
      tiki_order_code: '',
      extra: '',
      reference_id: 'ord_1',
    });
    expect(BigInt(order.id) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(await client.getOrder(order.id)).toEqual(order);
    const second = await client.createOrder(cart({ reference_id: 'ord_2' }));
    expect(second.id).not.toBe(order.id);
    expect(await client.listOrders([order.id, second.id, '999'])).toEqual([order, second]);
  });

  it('refuses an order above the cap (shipping included) with ORDER_AMOUNT_LIMIT_EXCEEDED; the cap itself is fine', async () => {
    const run = await startEmulator();
    const atCap = cart({ items: [{ name: 'Máy ảnh', quantity: 1, price: ORDER_AMOUNT_LIMIT_VND }] });
    const over = await signedPost(run, '/order', JSON.stringify({ ...atCap, shipping_fee: 1 }));
    expect(await refusal(over)).toMatchObject({
      status: 400,
      error: { reason: TIKI_PAYMENT_REASONS.amountLimitExceeded, code: 400 },
    });
    expect((await tikiClient(run).createOrder(atCap)).grand_total).toBe(ORDER_AMOUNT_LIMIT_VND);
  });

  it('an app whose Console limit was raised may go above 10,000,000 VND', async () => {
    const run = await startEmulator({
      apps: [{ ...DEV, allowedScopes: [], orderAmountLimit: 50_000_000 }],
    });
    const big = cart({ items: [{ name: 'Xe máy', quantity: 1, price: 30_000_000 }] });
    expect((await tikiClient(run).createOrder(big)).grand_total).toBe(30_000_000);
  });

  it('refuses an unknown customer, a numeric customer id and a body that is not an order', async () => {
    const run = await startEmulator();
    for (const [body, reason] of [
      [cart({ customer_id: '999' }), 'CUSTOMER_NOT_FOUND'],
      [cart({ customer_id: 1 }), 'invalid_request'],
      [cart({ items: [] }), 'invalid_request'],
      [cart({ items: [{ name: 'x', quantity: 0, price: 1 }] }), 'invalid_request'],
    ] as const) {
      const answer = await refusal(await signedPost(run, '/order', JSON.stringify(body)));
      expect(answer.error?.reason, JSON.stringify(body)).toBe(reason);
    }
    expect(run.emulator.orders()).toEqual([]);
  });

  it('verifies a GET over its path and query without the base path, and never shows another app its orders', async () => {
    const run = await startEmulator();
    const order = await tikiClient(run).createOrder(cart());
    const path = `/order?order_id=${order.id}`;
    expect((await signedGet(run, path)).status).toBe(200);
    const withBase = await signedGet(run, path, { signedAs: `/tiniapp-open-api${path}` });
    expect(await refusal(withBase)).toMatchObject({ status: 400, error: { reason: 'invalid_signature' } });
    const other = await signedGet(run, path, { credentials: OTHER_APP });
    expect(await refusal(other)).toMatchObject({ status: 404, error: { reason: 'ORDER_NOT_FOUND' } });
    const missing = await signedGet(run, '/order');
    expect(await refusal(missing)).toMatchObject({ status: 400, error: { reason: 'invalid_request' } });
    const tooMany = Array.from({ length: 101 }, (_, i) => String(i + 1)).join(',');
    const list = await signedGet(run, `/order/list?order_ids=${encodeURIComponent(tooMany)}`);
    expect(await refusal(list)).toMatchObject({ status: 400, error: { reason: 'invalid_request' } });
  });
});

describe('POST /order/multi-sku', () => {
  const multi = (items: { sku: string; quantity: number }[]) =>
    JSON.stringify({ customer_id: '1', items: items.map((item) => ({ name: 'x', ...item })) });

  it('prices the linked seller’s SKUs itself', async () => {
    const run = await startEmulator({ apps: [{ ...DEV, allowedScopes: [], sellerId: 1 }] });
    const answer = await json<Envelope<{ order: { grand_total: number } }>>(
      await signedPost(run, '/order/multi-sku', multi([{ sku: '2601001', quantity: 2 }])),
    );
    expect(answer.data?.order.grand_total).toBe(90_000);
  });

  it.each([
    [
      [
        { sku: '2601001', quantity: 1 },
        { sku: '2601001', quantity: 1 },
      ],
      'DUPLICATE_ITEMS',
    ],
    [[{ sku: '9999999', quantity: 1 }], 'PRODUCT_NOT_FOUND'],
    [[{ sku: '2602001', quantity: 1 }], 'INVALID_ITEM'],
  ])('refuses %j with %s', async (items, reason) => {
    const run = await startEmulator({ apps: [{ ...DEV, allowedScopes: [], sellerId: 1 }] });
    expect((await refusal(await signedPost(run, '/order/multi-sku', multi(items)))).error?.reason).toBe(
      reason,
    );
  });

  it('refuses an app with no linked seller with SELLER_NOT_FOUND', async () => {
    const run = await startEmulator();
    const answer = await refusal(
      await signedPost(run, '/order/multi-sku', multi([{ sku: '2601001', quantity: 1 }]), {
        credentials: OTHER_APP,
      }),
    );
    expect(answer.error?.reason).toBe('SELLER_NOT_FOUND');
  });
});

describe('POST /order/complete and /order/cancel', () => {
  it('completes only a paid order, and answers a second complete with the order unchanged', async () => {
    const run = await startEmulator();
    const client = tikiClient(run);
    const order = await client.createOrder(cart());
    await expect(client.completeOrder({ orderId: order.id, comment: 'done' })).rejects.toMatchObject({
      reason: 'INVALID_ORDER_STATUS',
    });
    run.emulator.pay(order.id, 'success');
    const completed = await client.completeOrder({ orderId: order.id, comment: 'done' });
    expect(completed.status).toBe('completed');
    expect(await client.completeOrder({ orderId: order.id, comment: 'again' })).toEqual(completed);
    await expect(client.cancelOrder({ orderId: order.id, comment: 'too late' })).rejects.toMatchObject({
      reason: 'INVALID_ORDER_STATUS',
    });
  });

  it('cancels an unpaid or a paid order (refunding it), and a canceled one stays canceled', async () => {
    const run = await startEmulator();
    const client = tikiClient(run);
    const unpaid = await client.createOrder(cart());
    expect((await client.cancelOrder({ orderId: unpaid.id, comment: 'changed my mind' })).status).toBe(
      'canceled',
    );
    const paid = await client.createOrder(cart({ reference_id: 'ord_2' }));
    run.emulator.pay(paid.id, 'success');
    expect((await client.cancelOrder({ orderId: paid.id, comment: 'out of stock' })).status).toBe('canceled');
    expect(run.emulator.orders().find((o) => o.id === paid.id)?.refunded).toBe(true);
    expect((await client.cancelOrder({ orderId: paid.id, comment: 'again' })).status).toBe('canceled');
  });

  it('offers cash on delivery only when the app asked for it, and follows it to the end: no code, no refund', async () => {
    const run = await startEmulator();
    const client = tikiClient(run);
    const order = await client.createOrder(cart());
    expect(() => run.emulator.pay(order.id, 'cod')).toThrow(/paymentMethod: 'cod'/);
    expect(() => run.emulator.pay(order.id, 'success', 'cod')).toThrow(/asked for cash on delivery/);
    const cod = run.emulator.pay(order.id, 'cod', 'cod');
    expect(cod).toMatchObject({ status: 'processing', tiki_order_code: '' });
    expect(cod.tiki_order_id).toMatch(/^\d+$/);
    // Not delivered yet: not completable. Shipped, the app completes it once the buyer paid the carrier.
    await expect(client.completeOrder({ orderId: order.id, comment: 'done' })).rejects.toMatchObject({
      reason: 'INVALID_ORDER_STATUS',
    });
    expect(run.emulator.ship(order.id).status).toBe('on_delivery');
    expect((await client.completeOrder({ orderId: order.id, comment: 'delivered' })).status).toBe(
      'completed',
    );
    expect(run.emulator.orders()[0]?.history.map((h) => h.status)).toEqual([
      'draft',
      'draft',
      'processing',
      'on_delivery',
      'completed',
    ]);

    const canceled = await client.createOrder(cart({ reference_id: 'ord_2' }));
    run.emulator.pay(canceled.id, 'cod', 'cod');
    expect((await client.cancelOrder({ orderId: canceled.id, comment: 'no COD' })).status).toBe('canceled');
    expect(run.emulator.orders()[1]?.refunded).toBe(false);
  });

  it('applies faults to the payment routes like the others', async () => {
    const run = await startEmulator();
    run.emulator.setFault({ route: 'create_order', kind: 'status', status: 503, times: 1 });
    await expect(tikiClient(run).createOrder(cart())).rejects.toMatchObject({ status: 503 });
    expect(run.emulator.orders()).toEqual([]);
    expect((await tikiClient(run).createOrder(cart())).status).toBe('draft');
    expect(run.emulator.count('create_order')).toBe(2);
  });
});
