import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewOrder } from './orders.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { Store } from './store.ts';

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sqlite-orders-'));
  store = openSqliteStore(join(dir, 'server.sqlite'));
  await store.upsertUser({ id: 'u1', tikiCustomerId: 1, name: 'Ti Ni', now: 0 });
  await store.upsertUser({ id: 'u2', tikiCustomerId: 2, name: 'Minh Khai', now: 0 });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const DAY = 86_400_000;
const order = (over: Partial<NewOrder> = {}): NewOrder => ({
  id: 'ord_1',
  userId: 'u1',
  grandTotal: 20_000,
  items: [{ productId: 'xu-100', name: 'Gói 100 xu', quantity: 2, price: 10_000 }],
  idempotencyKey: null,
  requestHash: null,
  now: 1_000,
  ...over,
});
const TIKI_ID = '141857488587784201';

describe('orders in the SQLite store', () => {
  it('keeps one order per user and idempotency key within the window; later the key is free again', async () => {
    const first = await store.createOrder(order({ idempotencyKey: 'key-00001', requestHash: 'h1' }), DAY);
    expect(first).toMatchObject({
      created: true,
      order: { id: 'ord_1', state: 'creating', status: 'draft' },
    });
    const again = await store.createOrder(
      order({ id: 'ord_2', idempotencyKey: 'key-00001', now: 2_000 }),
      DAY,
    );
    expect(again).toMatchObject({ created: false, existing: { id: 'ord_1', requestHash: 'h1' } });
    const otherUser = await store.createOrder(
      order({ id: 'ord_3', userId: 'u2', idempotencyKey: 'key-00001' }),
      DAY,
    );
    expect(otherUser.created).toBe(true);
    const nextDay = await store.createOrder(
      order({ id: 'ord_4', idempotencyKey: 'key-00001', now: 1_000 + DAY }),
      DAY,
    );
    expect(nextDay.created).toBe(true);
    expect((await store.getOrder('ord_1'))?.idempotencyKey).toBeNull();
  });

  it('keeps an IPN’s status when the create answer is stored after it, and never leaves a final status', async () => {
    await store.createOrder(order(), DAY);
    const early = await store.applyTikiStatus('ord_1', {
      tikiOrderId: TIKI_ID,
      status: 'online_paid',
      messageAt: 5_000,
      now: 2_000,
    });
    expect(early).toMatchObject({
      state: 'created',
      status: 'online_paid',
      tikiOrderId: TIKI_ID,
      lastMessageAt: 5_000,
    });
    const attached = await store.attachTikiOrder('ord_1', {
      tikiOrderId: TIKI_ID,
      status: 'draft',
      now: 3_000,
    });
    expect(attached).toMatchObject({ status: 'online_paid', tikiOrderId: TIKI_ID });
    expect(await store.findOrderByTikiId(TIKI_ID)).toMatchObject({ id: 'ord_1' });

    await store.applyTikiStatus('ord_1', {
      tikiOrderId: TIKI_ID,
      status: 'completed',
      messageAt: null,
      now: 4_000,
    });
    const stale = await store.applyTikiStatus('ord_1', {
      tikiOrderId: TIKI_ID,
      status: 'online_paid',
      messageAt: 4_000,
      now: 5_000,
    });
    expect(stale).toMatchObject({ status: 'completed', lastMessageAt: 5_000 });
  });

  it('deletes an order Tiki never created, but not one it did', async () => {
    await store.createOrder(order(), DAY);
    await store.abandonOrder('ord_1');
    expect(await store.getOrder('ord_1')).toBeNull();
    await store.createOrder(order({ id: 'ord_2' }), DAY);
    await store.attachTikiOrder('ord_2', { tikiOrderId: TIKI_ID, status: 'draft', now: 2_000 });
    await store.abandonOrder('ord_2');
    expect(await store.getOrder('ord_2')).not.toBeNull();
  });

  it('lets one caller fulfil, takes over an expired claim, and lets only the owner finish', async () => {
    await store.createOrder(order(), DAY);
    expect(await store.claimFulfilment('ord_1', { owner: 'a', now: 10, claimMs: 100 })).toBe(true);
    expect(await store.claimFulfilment('ord_1', { owner: 'b', now: 50, claimMs: 100 })).toBe(false);
    expect(await store.claimFulfilment('ord_1', { owner: 'b', now: 110, claimMs: 100 })).toBe(true);
    expect(await store.finishFulfilment('ord_1', 'a', 120)).toBe(false);
    expect(await store.finishFulfilment('ord_1', 'b', 120)).toBe(true);
    expect(await store.claimFulfilment('ord_1', { owner: 'c', now: 10_000, claimMs: 100 })).toBe(false);
    expect((await store.getOrder('ord_1'))?.fulfilledAt).toBe(120);
  });

  it('releases a failed fulfilment for the next try', async () => {
    await store.createOrder(order(), DAY);
    await store.claimFulfilment('ord_1', { owner: 'a', now: 10, claimMs: 100_000 });
    await store.releaseFulfilment('ord_1', 'a');
    expect(await store.claimFulfilment('ord_1', { owner: 'b', now: 20, claimMs: 100 })).toBe(true);
  });

  it('grants one status re-read per interval', async () => {
    await store.createOrder(order(), DAY);
    expect(await store.claimStatusCheck('ord_1', 10_000, 5_000)).toBe(true);
    expect(await store.claimStatusCheck('ord_1', 12_000, 5_000)).toBe(false);
    expect(await store.claimStatusCheck('ord_1', 15_000, 5_000)).toBe(true);
  });

  it('records each IPN message once', async () => {
    const message = { messageId: '141939182305017886', orderId: 'ord_1', createdAt: 1, now: 2 };
    expect(await store.hasIpnMessage(message.messageId)).toBe(false);
    expect(await store.recordIpnMessage(message)).toBe(true);
    expect(await store.recordIpnMessage(message)).toBe(false);
    expect(await store.hasIpnMessage(message.messageId)).toBe(true);
  });

  it('lists a user’s created orders newest first, a page at a time', async () => {
    for (let i = 1; i <= 5; i++) {
      await store.createOrder(order({ id: `ord_${i}`, now: i < 4 ? 1_000 : 1_000 + i }), DAY);
      if (i !== 2)
        await store.attachTikiOrder(`ord_${i}`, { tikiOrderId: String(100 + i), status: 'draft', now: 9 });
    }
    const first = await store.listOrders('u1', { limit: 2 });
    expect(first.map((o) => o.id)).toEqual(['ord_5', 'ord_4']);
    const last = first.at(-1);
    const next = await store.listOrders('u1', {
      limit: 5,
      before: { createdAt: last?.createdAt ?? 0, id: last?.id ?? '' },
    });
    // ord_2 is still being created: not listed.
    expect(next.map((o) => o.id)).toEqual(['ord_3', 'ord_1']);
    expect(await store.listOrders('u2', { limit: 5 })).toEqual([]);
  });

  it('prunes orders left creating by a process that died', async () => {
    await store.createOrder(order(), DAY);
    const pruned = await store.prune({ now: 10 * DAY, idleTimeoutMs: DAY, codesBefore: 9 * DAY });
    expect(pruned.orders).toBe(1);
    expect(await store.getOrder('ord_1')).toBeNull();
  });
});
