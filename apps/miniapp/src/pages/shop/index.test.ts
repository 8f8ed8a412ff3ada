/**
 * The shop page, built, in the test host, against the real server and emulator: the catalogue, a checkout
 * through Tiki's payment screen (the host's my.makePayment, or the development build's emulated screen), the
 * wait for the server to confirm with Tiki, and the orders page.
 */

import { type HostStorage, launch, type PaymentProvider } from '@tini-starter/tini-host/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentBy } from '../../testing/auth-codes.ts';
import { startWorld, type World } from '../../testing/world.ts';

interface Shown {
  phase: string;
  loadingText: string;
  products: { id: string; name: string; priceText: string; quantity: number }[];
  totalText: string;
  canCheckout: boolean;
  result: { kind: string; title: string; orderId: string; totalText: string; statusText: string } | null;
  error: { title: string; action: string } | null;
}

let world: World;
beforeAll(async () => {
  world = await startWorld({ serverEnv: { TIKI_ROUTE_LIMIT_MAX: '1000' } });
});
afterAll(async () => {
  await world?.close();
});

/** A signed-in user's storage: the index page signs in once, the shop page reuses the session. */
async function signedIn(customerId = 1): Promise<HostStorage> {
  const storage: HostStorage = new Map();
  const home = await launch({
    distDir: world.distDir,
    authCodes: consentBy(world.emulator, { customerId }),
    storage,
  });
  await home.page.idle();
  await home.page.tap('onSignInTap');
  expect(home.page.data()).toMatchObject({ phase: 'signed_in' });
  await home.page.tap('onShopTap');
  expect(home.log.navigations).toEqual(['/pages/shop/index']);
  return storage;
}

async function openShop(storage: HostStorage, o: { payments?: PaymentProvider; sheet?: number | null } = {}) {
  const app = await launch({
    distDir: world.distDir,
    route: 'pages/shop/index',
    authCodes: consentBy(world.emulator),
    storage,
    ...(o.payments ? { payments: o.payments } : {}),
    actionSheet: () => o.sheet ?? null,
  });
  await app.page.idle();
  return { ...app, shown: () => app.page.data() as unknown as Shown };
}

/** Tiki's payment screen, played by the emulator: the user pays (or not), and Tiki sends its IPN. */
const screen =
  (outcome: 'success' | 'cancel' | 'abandon'): PaymentProvider =>
  async (orderId) => {
    world.emulator.pay(orderId, outcome);
    await world.emulator.ipnSettled();
    return outcome === 'success'
      ? { success: 'success' }
      : { fail: { error: 4, errorMessage: 'user canceled' } };
  };

describe('the shop page', () => {
  it('shows the catalogue, totals the cart in VND, and pays: the server confirms, the order is completed', async () => {
    const shop = await openShop(await signedIn(), { payments: screen('success') });
    expect(shop.shown()).toMatchObject({ phase: 'browsing', canCheckout: false, totalText: '0 ₫' });
    expect(shop.shown().products[0]).toEqual({
      id: 'xu-100',
      name: 'Gói 100 xu',
      priceText: '10.000 ₫',
      quantity: 0,
    });
    await shop.page.tap('onIncreaseTap', { id: 'xu-100' });
    await shop.page.tap('onIncreaseTap', { id: 'xu-100' });
    await shop.page.tap('onIncreaseTap', { id: 'xu-500' });
    await shop.page.tap('onDecreaseTap', { id: 'xu-2000' });
    expect(shop.shown()).toMatchObject({ totalText: '65.000 ₫', canCheckout: true });

    await shop.page.tap('onCheckoutTap');
    expect(shop.shown()).toMatchObject({
      phase: 'done',
      error: null,
      result: { kind: 'paid', title: 'Thanh toán thành công', totalText: '65.000 ₫', statusText: 'Hoàn tất' },
    });
    const tikiOrder = world.emulator.orders().at(-1);
    // my.makePayment got Tiki's order id, the 18-digit string, never tiki_order_id.
    expect(shop.log.payments).toEqual([tikiOrder?.id]);
    expect(tikiOrder).toMatchObject({ status: 'completed', grand_total: 65_000 });
  });

  it('a double tap makes one order', async () => {
    const shop = await openShop(await signedIn(), { payments: screen('success') });
    await shop.page.tap('onIncreaseTap', { id: 'xu-100' });
    const before = world.emulator.orders().length;
    await Promise.all([shop.page.tap('onCheckoutTap'), shop.page.tap('onCheckoutTap')]);
    expect(world.emulator.orders().length).toBe(before + 1);
    expect(shop.log.payments).toHaveLength(1);
  });

  it('a payment canceled on Tiki’s screen says so and keeps the cart', async () => {
    const shop = await openShop(await signedIn(), { payments: screen('cancel') });
    await shop.page.tap('onIncreaseTap', { id: 'xu-500' });
    await shop.page.tap('onCheckoutTap');
    expect(shop.shown()).toMatchObject({
      phase: 'browsing',
      error: { title: 'Bạn chưa thanh toán' },
      totalText: '45.000 ₫',
    });
    expect(world.emulator.orders().at(-1)?.status).toBe('canceled');
  });

  it('a cart above Tiki’s cap is refused before Tiki is called', async () => {
    const shop = await openShop(await signedIn(), { payments: screen('success') });
    for (let i = 0; i < 5; i++) await shop.page.tap('onIncreaseTap', { id: 'vip-1-nam' });
    const before = world.emulator.count('create_order');
    await shop.page.tap('onCheckoutTap');
    expect(shop.shown().error).toMatchObject({ title: 'Đơn hàng vượt hạn mức', action: 'none' });
    expect(world.emulator.count('create_order')).toBe(before);
  });

  it('Tiki down at checkout: a clear message, and the retry makes one order', async () => {
    const shop = await openShop(await signedIn(), { payments: screen('success') });
    await shop.page.tap('onIncreaseTap', { id: 'xu-100' });
    world.emulator.setFault({ route: 'create_order', kind: 'status', status: 503, times: 1 });
    await shop.page.tap('onCheckoutTap');
    expect(shop.shown().error).toMatchObject({ title: 'Tiki đang gián đoạn', action: 'reload' });
    await shop.page.tap('onErrorActionTap');
    await shop.page.tap('onCheckoutTap');
    expect(shop.shown()).toMatchObject({ phase: 'done', result: { kind: 'paid' } });
  });

  it('in the development build without a Tini Console app, the emulated payment screen pays', async () => {
    // The host cannot pay; the development build asks what the user does (an action sheet) and tells the emulator.
    const shop = await openShop(await signedIn(), { sheet: 0 });
    await shop.page.tap('onIncreaseTap', { id: 'xu-100' });
    await shop.page.tap('onCheckoutTap');
    expect(shop.log.actionSheets[0]?.[0]).toBe('Thanh toán thành công');
    // The emulator's IPN travels on its own here (nothing waits for it, as on a phone): the server may confirm
    // the payment from Tiki's re-read before the IPN's fulfilment has completed the order, or after.
    expect(shop.shown()).toMatchObject({ phase: 'done', result: { kind: 'paid' } });
    expect(shop.shown().result?.statusText).toMatch(/^(Đã thanh toán|Đã giao|Hoàn tất)$/);
    await world.emulator.ipnSettled();
    expect(world.emulator.orders().at(-1)?.status).toBe('completed');
  });

  it('lists the user’s orders, newest first, in Vietnamese', async () => {
    const storage = await signedIn(3);
    const shop = await openShop(storage, { payments: screen('success') });
    await shop.page.tap('onIncreaseTap', { id: 'xu-2000' });
    await shop.page.tap('onCheckoutTap');
    await shop.page.tap('onOrdersTap');
    expect(shop.log.navigations).toEqual(['/pages/orders/index']);
    const orders = await launch({
      distDir: world.distDir,
      route: 'pages/orders/index',
      authCodes: consentBy(world.emulator),
      storage,
    });
    await orders.page.idle();
    expect(orders.page.data()).toMatchObject({
      phase: 'ready',
      hasMore: false,
      orders: [
        { totalText: '160.000 ₫', statusText: 'Hoàn tất', summary: '1 × Gói 2.000 xu', settled: true },
      ],
    });
  });
});
