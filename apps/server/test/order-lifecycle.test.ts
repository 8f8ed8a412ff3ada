/**
 * An order's whole life against the real emulator: every order ends (completed or canceled) and agrees with
 * Tiki, and none is both delivered and refunded, whatever races, slow hooks, lost notifications or cash on
 * delivery happen. Run on SQLite and on PostgreSQL.
 */
import type { Order } from '@tini-starter/api-contract/payments';
import { createOffsetClock } from '@tini-starter/tiki-emulator/emulator';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Fulfil } from '../src/payments/fulfilment.ts';
import type { OrderRecord } from '../src/store/orders.ts';
import {
  closeAndExpectNoLeak,
  errorOf,
  type Stack,
  type StackOptions,
  startStack,
  tikiCallSent,
  until,
} from '../src/testing/harness.ts';
import { testDatabase } from '../src/testing/test-database.ts';

let stack: Stack;
afterEach(() => closeAndExpectNoLeak(stack));

const CART = { items: [{ productId: 'xu-100', quantity: 1 }] };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const silentLog = () => pino({ level: 'silent' });

/** A hook that records each delivery; `behave` decides per call (default: deliver at once). */
function recordingFulfil(behave?: (order: OrderRecord, call: number, signal: AbortSignal) => Promise<void>) {
  const delivered: string[] = [];
  let calls = 0;
  const fulfil: Fulfil = async (order, { signal }) => {
    calls += 1;
    await behave?.(order, calls, signal);
    delivered.push(order.id);
  };
  return Object.assign(fulfil, { delivered, calls: () => calls });
}

const STORES: [string, () => Promise<Record<string, string>>][] = [
  ['SQLite', async () => ({})],
  ['PostgreSQL', async () => ({ DATABASE_URL: await testDatabase() })],
];

async function shop(o: { ipn?: boolean } & StackOptions = {}) {
  const fulfil = o.fulfil ?? recordingFulfil();
  stack = await startStack({ ...o, fulfil, env: { TIKI_ROUTE_LIMIT_MAX: '10000', ...o.env } });
  if (o.ipn !== false) stack.routeIpns();
  const token = await stack.loginToken();
  const create = async () =>
    ((await stack.request('POST', '/api/orders', { token, json: CART })).body as { order: Order }).order;
  const read = async (id: string) =>
    ((await stack.request('GET', `/api/orders/${id}`, { token })).body as { order: Order }).order;
  const cancel = (id: string) => stack.request('POST', `/api/orders/${id}/cancel`, { token });
  return { token, create, read, cancel };
}

/** Tiki's record of the order (the emulator's own bookkeeping, refund flag included). */
const atTiki = (tikiOrderId: string | null) => stack.emulator.orders().find((o) => o.id === tikiOrderId);

for (const [storeName, storeEnv] of STORES) {
  describe(`the order lifecycle on ${storeName}`, () => {
    it('a cancel that starts before the payment lands wins: canceled and refunded at Tiki, never delivered', async () => {
      const fulfil = recordingFulfil();
      const { create, cancel, read } = await shop({ fulfil, env: await storeEnv() });
      stack.emulator.setFault({ route: 'cancel_order', kind: 'latency', ms: 400 });
      stack.emulator.setFault({ route: 'complete_order', kind: 'latency', ms: 1200 });
      const order = await create();
      const sent = tikiCallSent(stack.recorder, 'POST', '/order/cancel');
      const canceling = cancel(order.id);
      await sent;
      // The buyer pays on Tiki's screen while our cancel is on its way: Tiki takes the money, the IPN comes.
      stack.emulator.pay(order.tikiOrderId ?? '', 'success');
      const answer = await canceling;
      await stack.emulator.ipnSettled();
      expect(answer.status).toBe(200);
      expect((answer.body as { order: Order }).order).toMatchObject({
        status: 'canceled',
        cancelReason: 'buyer',
        fulfilledAt: null,
      });
      expect(atTiki(order.tikiOrderId)).toMatchObject({ status: 'canceled', refunded: true });
      expect(atTiki(order.tikiOrderId)?.history.map((h) => h.status)).toContain('online_paid');
      expect(stack.emulator.ipnMessages()[0]?.attempts.map((a) => a.status)).toEqual([200]);
      expect(fulfil.calls()).toBe(0);
      expect(await read(order.id)).toMatchObject({ status: 'canceled', fulfilledAt: null });
      expect(stack.emulator.count('complete_order')).toBe(0);
    });

    it('a cancel that comes after Tiki took the payment loses: 409, and the order is delivered', async () => {
      const fulfil = recordingFulfil();
      const { create, cancel, read } = await shop({ fulfil, ipn: false, env: await storeEnv() });
      const order = await create();
      stack.emulator.pay(order.tikiOrderId ?? '', 'success');
      const refused = await cancel(order.id);
      expect([refused.status, errorOf(refused).code]).toEqual([409, 'order_not_cancelable']);
      expect(fulfil.delivered).toEqual([order.id]);
      expect(await read(order.id)).toMatchObject({ status: 'completed', cancelReason: null });
      expect(atTiki(order.tikiOrderId)).toMatchObject({ status: 'completed', refunded: false });
    });

    it('200 cancels racing 200 payments: each order ends, agrees with Tiki, and is never delivered and refunded', async () => {
      const fulfil = recordingFulfil();
      const { create, cancel, read } = await shop({ fulfil, env: await storeEnv() });
      const orders: Order[] = [];
      for (let round = 0; round < 20; round++) {
        const batch = await Promise.all(Array.from({ length: 10 }, () => create()));
        await Promise.all(
          batch.map(async (order, i) => {
            const canceling = cancel(order.id);
            await sleep(i % 4);
            try {
              stack.emulator.pay(order.tikiOrderId ?? '', 'success');
            } catch {
              // Canceled first: Tiki's screen refuses to pay a canceled order.
            }
            const answer = await canceling;
            expect([200, 409]).toContain(answer.status);
          }),
        );
        orders.push(...batch);
      }
      await stack.emulator.ipnSettled();
      // Whatever is still open (a complete still on its way) is ended by the sweep.
      stack.clock.advance(60_000);
      await stack.server.sweep();
      const outcomes = { canceled: 0, completed: 0 };
      for (const order of orders) {
        const mine = await read(order.id);
        const tiki = atTiki(order.tikiOrderId);
        expect([mine.status, tiki?.status]).toEqual([
          tiki?.status,
          expect.stringMatching(/^(canceled|completed)$/),
        ]);
        const delivered = fulfil.delivered.includes(order.id);
        expect(delivered && tiki?.refunded === true, order.id).toBe(false);
        expect(delivered).toBe(mine.status === 'completed');
        expect(mine.fulfilledAt !== null).toBe(delivered);
        outcomes[mine.status as 'canceled' | 'completed'] += 1;
      }
      expect(outcomes.canceled + outcomes.completed).toBe(200);
      expect(new Set(fulfil.delivered).size).toBe(fulfil.delivered.length);
    });

    it('ends a paid order with no IPN at all: the sweep fulfils and completes it, nobody polling', async () => {
      const fulfil = recordingFulfil();
      const { create } = await shop({ fulfil, ipn: false, env: await storeEnv() });
      const order = await create();
      stack.emulator.pay(order.tikiOrderId ?? '', 'success');
      expect(stack.emulator.ipnMessages()).toEqual([]);
      const run = await stack.server.sweep();
      expect(run).toMatchObject({ reread: 1, tikiUnavailable: false });
      expect(fulfil.delivered).toEqual([order.id]);
      expect(atTiki(order.tikiOrderId)?.status).toBe('completed');
      expect(stack.emulator.count('list_orders')).toBe(1);
      // Final: the next sweep has nothing to read.
      expect(await stack.server.sweep()).toMatchObject({ reread: 0 });
    });

    it('cancels at Tiki a draft nobody paid once it is older than ORDER_DRAFT_TTL_MS, and leaves a younger one', async () => {
      const { create, read } = await shop({
        ipn: false,
        env: { ...(await storeEnv()), ORDER_DRAFT_TTL_MS: '3600000' },
      });
      const old = await create();
      stack.clock.advance(30 * 60_000);
      const young = await create();
      stack.clock.advance(30 * 60_000);
      expect(await stack.server.sweep()).toMatchObject({ reread: 2, expired: 1 });
      expect(await read(old.id)).toMatchObject({ status: 'canceled', cancelReason: 'unpaid' });
      expect(atTiki(old.tikiOrderId)).toMatchObject({ status: 'canceled', refunded: false });
      expect((await read(young.id)).status).toBe('draft');
    });

    it('keeps a draft the buyer paid just before its TTL: the payment wins over the expiry', async () => {
      const fulfil = recordingFulfil();
      const { create, read } = await shop({
        fulfil,
        ipn: false,
        env: { ...(await storeEnv()), ORDER_DRAFT_TTL_MS: '3600000' },
      });
      const order = await create();
      stack.clock.advance(3_600_000);
      stack.emulator.pay(order.tikiOrderId ?? '', 'success');
      await stack.server.sweep();
      expect(await read(order.id)).toMatchObject({ status: 'completed', cancelReason: null });
      expect(fulfil.delivered).toEqual([order.id]);
    });

    it('retries a failing fulfilment with backoff, then delivers once and completes', async () => {
      const fulfil = recordingFulfil(async (_order, call) => {
        if (call < 3) throw new Error('the coin ledger is down');
      });
      const { create, read } = await shop({ fulfil, env: await storeEnv() });
      const order = await create();
      stack.emulator.pay(order.tikiOrderId ?? '', 'success');
      await stack.emulator.ipnSettled();
      // The IPN is answered 200 although the hook failed: the sweep retries, not Tiki.
      expect(stack.emulator.ipnMessages()[0]?.attempts.map((a) => a.status)).toEqual([200]);
      expect(await read(order.id)).toMatchObject({ status: 'online_paid', fulfilledAt: null });
      // Not yet due (30 s backoff): nothing happens.
      await stack.server.sweep();
      expect(fulfil.calls()).toBe(1);
      stack.clock.advance(30_000);
      await stack.server.sweep();
      expect(fulfil.calls()).toBe(2);
      stack.clock.advance(60_000);
      await stack.server.sweep();
      expect(fulfil.delivered).toEqual([order.id]);
      expect(await read(order.id)).toMatchObject({ status: 'completed', fulfilledAt: expect.any(String) });
    });

    it('cancels at Tiki (refunding the buyer) an order whose fulfilment failed FULFILMENT_MAX_ATTEMPTS times', async () => {
      const fulfil = recordingFulfil(async () => {
        throw new Error('out of stock');
      });
      const { create, read } = await shop({
        fulfil,
        env: { ...(await storeEnv()), FULFILMENT_MAX_ATTEMPTS: '3' },
      });
      const order = await create();
      stack.emulator.pay(order.tikiOrderId ?? '', 'success');
      await stack.emulator.ipnSettled();
      for (let i = 0; i < 4; i++) {
        stack.clock.advance(10 * 60_000);
        await stack.server.sweep();
      }
      expect(fulfil.calls()).toBe(3);
      expect(await read(order.id)).toMatchObject({
        status: 'canceled',
        cancelReason: 'fulfilment_failed',
        fulfilledAt: null,
      });
      expect(atTiki(order.tikiOrderId)).toMatchObject({ status: 'canceled', refunded: true });
      const gaveUp = stack.recorder.logLines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find(
          (line) =>
            line.msg ===
            'the fulfilment kept failing: the order is canceled at Tiki, which refunds the buyer',
        );
      expect(gaveUp).toMatchObject({ level: 50, orderId: order.id, attempts: 3 });
    });

    it('cancels a cash-on-delivery order (this shop takes none) with a reason, before delivering anything', async () => {
      const fulfil = recordingFulfil();
      const { create, read } = await shop({ fulfil, env: await storeEnv() });
      const read_ = await create();
      const swept = await create();
      // COD sends no IPN: the mini app's read notices one, the sweep the other.
      stack.emulator.pay(read_.tikiOrderId ?? '', 'cod', 'cod');
      stack.emulator.pay(swept.tikiOrderId ?? '', 'cod', 'cod');
      expect(await read(read_.id)).toMatchObject({ status: 'canceled', cancelReason: 'cash_on_delivery' });
      await stack.server.sweep();
      expect(await read(swept.id)).toMatchObject({ status: 'canceled', cancelReason: 'cash_on_delivery' });
      for (const order of [read_, swept]) {
        expect(atTiki(order.tikiOrderId)).toMatchObject({ status: 'canceled', refunded: false });
      }
      expect(fulfil.calls()).toBe(0);
      expect(stack.emulator.count('complete_order')).toBe(0);
    });
  });
}

describe('a shop that sells cash on delivery', () => {
  it('neither fulfils nor completes a COD order before its delivery is marked, then completes it', async () => {
    const fulfil = recordingFulfil();
    const { create, read } = await shop({ fulfil, sellsCashOnDelivery: true });
    const order = await create();
    stack.emulator.pay(order.tikiOrderId ?? '', 'cod', 'cod');
    await stack.server.sweep();
    expect(await read(order.id)).toMatchObject({
      status: 'processing',
      fulfilledAt: null,
      cancelReason: null,
    });
    const caller = { log: silentLog(), requestId: 'test-delivery' };
    const record = async () => (await stack.server.store.getOrder(order.id)) as OrderRecord;
    // Not shipped yet: nothing to mark.
    expect(await stack.server.payments.lifecycle.markDelivered(await record(), caller)).toBeNull();
    stack.emulator.ship(order.tikiOrderId ?? '');
    const delivered = await stack.server.payments.lifecycle.markDelivered(await record(), caller);
    expect(delivered).toMatchObject({ status: 'completed', fulfilledAt: expect.any(Number) });
    expect(atTiki(order.tikiOrderId)).toMatchObject({ status: 'completed', refunded: false });
    expect(fulfil.calls()).toBe(0);
    expect(await read(order.id)).toMatchObject({ status: 'completed', fulfilledAt: expect.any(String) });
  });
});

describe('a fulfilment hook slower than its claim', () => {
  it('keeps its claim while it runs (renewed), so duplicate IPNs and the sweep do not run it twice', async () => {
    // The 70 s hook against a 60 s claim, scaled down to real time: a 600 ms claim, a 1,400 ms hook.
    let release = () => {};
    const fulfil = recordingFulfil(() => new Promise<void>((resolve) => (release = resolve)));
    const { create, read } = await shop({
      fulfil,
      clock: createOffsetClock(),
      env: { FULFILMENT_CLAIM_MS: '600' },
    });
    const order = await create();
    stack.emulator.pay(order.tikiOrderId ?? '', 'success');
    const messageId = () => stack.emulator.ipnMessages()[0]?.messageId ?? '';
    // The hook runs from the IPN; then, past its first claim's expiry, a resent IPN and the sweep come by.
    await until(() => fulfil.calls() === 1);
    await sleep(700);
    await stack.emulator.resendIpn(messageId());
    await sleep(400);
    const sweep = stack.server.sweep();
    await sleep(300);
    release();
    await sweep;
    await stack.emulator.ipnSettled();
    expect(fulfil.calls()).toBe(1);
    expect(await read(order.id)).toMatchObject({ status: 'completed' });
  });

  it('learns through its AbortSignal that it lost the claim, and its late finish is not recorded', async () => {
    const signals: AbortSignal[] = [];
    const releases: (() => void)[] = [];
    const fulfil = recordingFulfil(
      (_order, _call, signal) =>
        new Promise<void>((resolve, reject) => {
          signals.push(signal);
          signal.addEventListener('abort', () => reject(signal.reason));
          releases.push(resolve);
        }),
    );
    const clock = createOffsetClock();
    const { create, read } = await shop({ fulfil, clock, env: { FULFILMENT_CLAIM_MS: '600' } });
    const order = await create();
    stack.emulator.pay(order.tikiOrderId ?? '', 'success');
    // This process "freezes" past its claim: time jumps, and the sweep takes the order over.
    await until(() => signals.length === 1);
    clock.advance(10_000);
    const sweep = stack.server.sweep();
    await until(() => signals.length === 2 && signals[0]?.aborted === true);
    expect(signals.map((signal) => signal.aborted)).toEqual([true, false]);
    releases[1]?.();
    await sweep;
    await stack.emulator.ipnSettled();
    expect(fulfil.delivered).toEqual([order.id]);
    expect(await read(order.id)).toMatchObject({ status: 'completed' });
    expect(
      stack.recorder.logLines.some((line) => line.includes('the fulfilment failed after losing its claim')),
    ).toBe(true);
  });
});
