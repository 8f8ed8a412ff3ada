import { CANCEL_REASONS } from '@tini-starter/api-contract/payments';
import { ORDER_STATUSES, type OrderStatus } from '@tini-starter/tiki-platform/order-status';
import { describe, expect, it } from 'vitest';
import { cancelReasonLabel, formatVietnamTime, formatVnd, orderStateLabel, statusLabel } from './labels.ts';

describe('the shop’s labels', () => {
  it('writes VND with dots between thousands', () => {
    expect([0, 500, 10_000, 65_000, 2_500_000, 10_000_000].map(formatVnd)).toEqual([
      '0 ₫',
      '500 ₫',
      '10.000 ₫',
      '65.000 ₫',
      '2.500.000 ₫',
      '10.000.000 ₫',
    ]);
  });

  it('names each of Tiki’s statuses in Vietnamese', () => {
    expect(statusLabel('completed')).toBe('Hoàn tất');
    expect(statusLabel('waiting_for_payment')).toBe('Đang chờ thanh toán');
    const labels = ORDER_STATUSES.map(statusLabel);
    expect(new Set(labels).size).toBe(ORDER_STATUSES.length);
    for (const [i, status] of ORDER_STATUSES.entries()) expect(labels[i]).not.toBe(status);
  });

  it('says an order was delivered, or is being canceled, before Tiki’s status does', () => {
    const order = { status: 'online_paid' as OrderStatus, fulfilledAt: null, cancelReason: null };
    expect(orderStateLabel(order)).toBe('Đã thanh toán');
    expect(orderStateLabel({ ...order, fulfilledAt: '2026-12-02T10:00:00.000Z' })).toBe('Đã giao');
    expect(orderStateLabel({ ...order, status: 'completed', fulfilledAt: '2026-12-02T10:00:00.000Z' })).toBe(
      'Hoàn tất',
    );
    expect(orderStateLabel({ ...order, status: 'draft', cancelReason: 'buyer' })).toBe('Đang hủy');
    expect(orderStateLabel({ ...order, status: 'canceled', cancelReason: 'buyer' })).toBe('Đã hủy');
  });

  it('explains every cancel reason, saying when Tiki refunds', () => {
    for (const reason of CANCEL_REASONS) expect(cancelReasonLabel(reason)).toMatch(/\.$/);
    expect(cancelReasonLabel('fulfilment_failed')).toContain('hoàn tiền');
  });

  it('shows times in Vietnam’s time (UTC+7)', () => {
    expect(formatVietnamTime('2026-12-02T17:30:00.000Z')).toBe('03/12/2026 00:30');
  });
});
