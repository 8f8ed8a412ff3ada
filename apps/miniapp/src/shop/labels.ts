/** How the shop's numbers and statuses read on screen (Vietnamese). */

/** 65000 -> '65.000 ₫' (Vietnamese groups thousands with dots; no Intl on every host's engine). */
export function formatVnd(amount: number): string {
  const digits = String(Math.round(Math.abs(amount)));
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `${amount < 0 ? '-' : ''}${grouped} ₫`;
}

import type { CancelReason, Order } from '@tini-starter/api-contract/payments';
import type { OrderStatus } from '@tini-starter/tiki-platform/order-status';

/** Tiki's statuses as the buyer reads them: the compiler asks for a label for each one. */
const STATUS_LABELS: Record<OrderStatus, string> = {
  draft: 'Chờ thanh toán',
  waiting_for_payment: 'Đang chờ thanh toán',
  waiting_for_verification: 'Đang xác minh thanh toán',
  online_paid: 'Đã thanh toán',
  processing: 'Đang xử lý',
  on_delivery: 'Đang giao',
  completed: 'Hoàn tất',
  canceled: 'Đã hủy',
};

export function statusLabel(status: OrderStatus): string {
  return STATUS_LABELS[status];
}

/** Why an order was canceled, as the buyer reads it (what happens to their money included). */
const CANCEL_REASON_LABELS: Record<CancelReason, string> = {
  buyer: 'Bạn đã hủy đơn hàng.',
  unpaid: 'Đơn hàng chưa được thanh toán nên đã tự hủy.',
  fulfilment_failed: 'Cửa hàng không giao được hàng nên đã hủy đơn. Tiki sẽ hoàn tiền cho bạn.',
  cash_on_delivery: 'Cửa hàng không nhận thanh toán khi nhận hàng (COD) nên đã hủy đơn.',
  tiki: 'Đơn hàng đã bị hủy trên Tiki.',
};

export function cancelReasonLabel(reason: CancelReason): string {
  return CANCEL_REASON_LABELS[reason];
}

/**
 * The order's state in one line: delivered ("Đã giao") once fulfilled, the cancel's reason once decided (it may
 * still be under way at Tiki), else Tiki's status.
 */
export function orderStateLabel(order: Pick<Order, 'status' | 'fulfilledAt' | 'cancelReason'>): string {
  if (order.cancelReason !== null && order.status !== 'canceled') return 'Đang hủy';
  if (order.fulfilledAt !== null && order.status !== 'completed') return 'Đã giao';
  return statusLabel(order.status);
}

/** '2026-12-02T03:04:00.000Z' -> '02/12/2026 10:04' in Vietnam's time (UTC+7, no daylight saving). */
export function formatVietnamTime(iso: string): string {
  const at = new Date(Date.parse(iso) + 7 * 3_600_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(at.getUTCDate())}/${two(at.getUTCMonth() + 1)}/${at.getUTCFullYear()} ${two(at.getUTCHours())}:${two(at.getUTCMinutes())}`;
}
