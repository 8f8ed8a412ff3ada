import { describe, expect, it } from 'vitest';
import {
  hasKnownStatus,
  isCashOnDelivery,
  isFinalOrderStatus,
  isPaidOnline,
  ORDER_STATUSES,
  type OrderStatus,
  orderStatusName,
} from './order-status.ts';
import {
  IPN_RETRY_DELAYS_MS,
  IpnMessageSchema,
  OrderItemMetadataSchema,
  TikiOrderSchema,
} from './payments.ts';

/** ipn.md's example body, as Tiki sends it: pretty-printed, ids as strings, a +07:00 offset. */
const IPN_EXAMPLE = `{
  "message_id": "141939182305017886",
  "message_type": "notification",
  "message_created_at": "2021-12-27T21:19:33+07:00",
  "order": {
    "id": "141857488587784201",
    "status": "online_paid",
    "grand_total": 150000,
    "tiki_order_id": "1001059779",
    "tiki_order_code": "",
    "extra": "",
    "reference_id": "ord_1"
  }
}`;

describe('payment wire shapes', () => {
  it('reads ipn.md’s example, keeping ids above 2^53 exact', () => {
    const message = IpnMessageSchema.parse(JSON.parse(IPN_EXAMPLE));
    expect(message.message_id).toBe('141939182305017886');
    expect(message.order.id).toBe('141857488587784201');
    expect(message.order.status).toBe('online_paid');
  });

  it('reads any non-empty message_id: Tiki promises a string, not digits', () => {
    const opaque = IPN_EXAMPLE.replace('"141939182305017886"', '"msg-7f3a9c"');
    expect(IpnMessageSchema.parse(JSON.parse(opaque)).message_id).toBe('msg-7f3a9c');
    expect(
      IpnMessageSchema.safeParse(JSON.parse(IPN_EXAMPLE.replace('"141939182305017886"', '""'))).success,
    ).toBe(false);
  });

  it('keeps item metadata of any field type (the docs list three; one Tiki adds passes)', () => {
    const section = { header: 'Vé', fields: [{ type: 'qr_code', name: 'Mã vé', value: 'ABC' }] };
    expect(OrderItemMetadataSchema.parse({ sections: [section] }).sections[0]?.fields[0]?.type).toBe(
      'qr_code',
    );
  });

  it('refuses an IPN whose ids came as JSON numbers (already rounded) or whose date has no offset', () => {
    const numeric = IPN_EXAMPLE.replace('"141939182305017886"', '141939182305017886');
    expect(IpnMessageSchema.safeParse(JSON.parse(numeric)).success).toBe(false);
    const numericOrder = IPN_EXAMPLE.replace('"141857488587784201"', '141857488587784201');
    expect(IpnMessageSchema.safeParse(JSON.parse(numericOrder)).success).toBe(false);
    const noOffset = IPN_EXAMPLE.replace('2021-12-27T21:19:33+07:00', '2021-12-27 21:19:33');
    expect(IpnMessageSchema.safeParse(JSON.parse(noOffset)).success).toBe(false);
  });

  it('fills the fields an unpaid order leaves out with "", and keeps fields Tiki adds', () => {
    const order = TikiOrderSchema.parse({ id: '1', status: 'draft', grand_total: 0, note: 'new field' });
    expect(order).toEqual({
      id: '1',
      status: 'draft',
      grand_total: 0,
      tiki_order_id: '',
      tiki_order_code: '',
      extra: '',
      reference_id: '',
      note: 'new field',
    });
  });

  it('reads a status Tiki added as unknown, never as one of ours', () => {
    const read = TikiOrderSchema.parse({ id: '141857488587784201', status: 'refunded', grand_total: 1 });
    expect(read.status).toEqual({ unknown: 'refunded' });
    expect(hasKnownStatus(read)).toBe(false);
    expect(orderStatusName(read.status)).toBe('refunded');
    const paid = TikiOrderSchema.parse({ id: '141857488587784201', status: 'online_paid', grand_total: 1 });
    expect(hasKnownStatus(paid) && paid.status).toBe('online_paid');
  });

  it('knows the final statuses and Tiki’s retry schedule', () => {
    expect(ORDER_STATUSES.filter(isFinalOrderStatus)).toEqual(['canceled', 'completed']);
    expect(ORDER_STATUSES).not.toContain('refunded');
    expect(IPN_RETRY_DELAYS_MS.map((ms) => ms / 60_000)).toEqual([1, 5, 30, 60, 360, 720, 1440]);
  });

  it('tells an order paid online from cash on delivery, which has collected nothing yet', () => {
    const order = (status: OrderStatus, tiki_order_code = '') => ({ status, tiki_order_code });
    expect(isPaidOnline(order('online_paid'))).toBe(true);
    expect(isPaidOnline(order('processing', 'TN1001059779'))).toBe(true);
    expect(isPaidOnline(order('processing'))).toBe(false);
    expect(isCashOnDelivery(order('processing'))).toBe(true);
    expect(isCashOnDelivery(order('on_delivery'))).toBe(true);
    expect(isCashOnDelivery(order('processing', 'TN1001059779'))).toBe(false);
    for (const status of ['draft', 'waiting_for_payment', 'waiting_for_verification', 'canceled'] as const) {
      expect([isPaidOnline(order(status)), isCashOnDelivery(order(status))]).toEqual([false, false]);
    }
  });
});
