/**
 * DEVELOPMENT BUILD ONLY (imported behind `__DEV__`; the production build contains none of this).
 * Without a Tini Console app, `my.makePayment` in Tini Studio cannot open Tiki's payment screen. The development
 * build then plays that screen: an action sheet asks what the user does, and the local emulator's payment
 * control applies it (`POST /__emulator/orders/:id/pay`), which sends the signed IPN as Tiki would.
 */
import { DEV_EMULATOR_ORIGIN } from '@tini-starter/tiki-platform/dev';
import * as z from 'zod/mini';
import { PaymentError } from '../platform/payment.ts';
import { request } from '../platform/request.ts';
import { PaymentCanceledError } from './payment-outcome.ts';

type Outcome = 'success' | 'cancel' | 'abandon' | 'cod';

/** The screen's choices: an online payment's, or, when the app asked for cash on delivery, COD's only (Tiki's). */
const ONLINE: readonly { label: string; outcome: Outcome }[] = [
  { label: 'Thanh toán thành công', outcome: 'success' },
  { label: 'Hủy thanh toán', outcome: 'cancel' },
  { label: 'Bỏ dở (Tiki tự hủy sau 4 giờ)', outcome: 'abandon' },
];
const CASH_ON_DELIVERY: readonly { label: string; outcome: Outcome }[] = [
  { label: 'Xác nhận thanh toán khi nhận hàng (COD)', outcome: 'cod' },
  { label: 'Hủy', outcome: 'cancel' },
];

function choose(paymentMethod: string | undefined): Promise<Outcome> {
  const choices = paymentMethod === 'cod' ? CASH_ON_DELIVERY : ONLINE;
  return new Promise((resolve) => {
    my.showActionSheet({
      title: 'Màn hình thanh toán giả lập (emulator)',
      items: choices.map((choice) => choice.label),
      cancelButtonText: 'Đóng',
      success: (result: { index?: number }) => resolve(choices[result.index ?? -1]?.outcome ?? 'cancel'),
      fail: () => resolve('cancel'),
    });
  });
}

/** The emulator's orders, as far as this needs them: whether a payment screen already used the order id. */
const OrdersSchema = z.object({
  orders: z.array(z.object({ id: z.string(), paymentUsed: z.boolean() })),
});

function unreachable(origin: string, error: unknown): PaymentError {
  return new PaymentError(
    `my.makePayment could not pay and the emulator at ${origin} did not take the payment ` +
      `(${error instanceof Error ? error.message : String(error)}). Start it with pnpm dev.`,
  );
}

/**
 * Pays `tikiOrderId` on the emulator's payment screen, as my.makePayment({ orderId, paymentMethod }) would
 * open it; resolves or rejects as my.makePayment would. When the host's own screen already used the order id
 * (a host that could pay, and the user did not), the host's failure was the user's answer: nothing is asked
 * again.
 */
export async function payOnEmulator(tikiOrderId: string, paymentMethod?: string): Promise<void> {
  const origin = __EMULATOR_ORIGIN__ || DEV_EMULATOR_ORIGIN;
  let used = false;
  try {
    const { body } = await request({ url: `${origin}/__emulator/orders`, method: 'GET' });
    const parsed = z.safeParse(OrdersSchema, body);
    used =
      parsed.success && parsed.data.orders.some((order) => order.id === tikiOrderId && order.paymentUsed);
  } catch (error) {
    throw unreachable(origin, error);
  }
  if (used) throw new PaymentCanceledError('The payment screen closed without a payment');
  const outcome = await choose(paymentMethod);
  try {
    await request({
      url: `${origin}/__emulator/orders/${tikiOrderId}/pay`,
      method: 'POST',
      body: paymentMethod === undefined ? { outcome } : { outcome, paymentMethod },
    });
  } catch (error) {
    throw unreachable(origin, error);
  }
  if (outcome === 'cancel')
    throw new PaymentCanceledError('The user canceled on the (emulated) payment screen');
}
