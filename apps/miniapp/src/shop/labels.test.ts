import { CANCEL_REASONS } from '@tini-starter/api-contract/payments';
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

  it('names Tiki’s statuses in Vietnamese, and shows a status Tiki adds as it is', () => {
    expect(statusLabel('completed')).toBe('Hoàn tất');
    expect(statusLabel('waiting_for_payment')).toBe('Đang chờ thanh toán');
    expect(statusLabel('refunded')).toBe('refunded');
    expect(statusLabel('toString')).toBe('toString');
  });

  it('says an order was delivered, or is being canceled, before Tiki’s status does', () => {
    const order = { status: 'online_paid', fulfilledAt: null, cancelReason: null };
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
