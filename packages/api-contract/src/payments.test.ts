import { describe, expect, it } from 'vitest';
import {
  CreateOrderRequestSchema,
  IdempotencyKeySchema,
  OrderResponseSchema,
  orderPath,
  PAYMENT_ROUTES,
} from './payments.ts';

describe('the cart', () => {
  it('names products and quantities', () => {
    const cart = { items: [{ productId: 'xu-100', quantity: 2 }] };
    expect(CreateOrderRequestSchema.parse(cart)).toEqual(cart);
  });

  it.each([
    [
      'a price (prices come from the server’s catalogue only)',
      { items: [{ productId: 'a', quantity: 1, price: 1 }] },
    ],
    ['a total', { items: [{ productId: 'a', quantity: 1 }], total: 1 }],
    ['no line', { items: [] }],
    ['a quantity of 0', { items: [{ productId: 'a', quantity: 0 }] }],
    ['a fractional quantity', { items: [{ productId: 'a', quantity: 1.5 }] }],
    ['a quantity above 99', { items: [{ productId: 'a', quantity: 100 }] }],
    ['a quantity as text', { items: [{ productId: 'a', quantity: '1' }] }],
    ['21 lines', { items: Array.from({ length: 21 }, (_, i) => ({ productId: `p${i}`, quantity: 1 })) }],
  ])('refuses %s', (_, body) => {
    expect(CreateOrderRequestSchema.safeParse(body).success).toBe(false);
  });
});

describe('orders', () => {
  it('carry Tiki’s order id as a string of digits, never a number', () => {
    const order = {
      id: 'ord_1',
      status: 'waiting_for_payment',
      grandTotal: 20_000,
      items: [{ productId: 'xu-100', name: 'Gói 100 xu', quantity: 2, price: 10_000 }],
      tikiOrderId: '141857488587784201',
      fulfilledAt: null,
      cancelReason: null,
      createdAt: '2026-12-02T10:00:00.000Z',
      updatedAt: '2026-12-02T10:00:00.000Z',
    };
    expect(OrderResponseSchema.parse({ order })).toEqual({ order });
    expect(
      OrderResponseSchema.safeParse({ order: { ...order, tikiOrderId: 141857488587784200 } }).success,
    ).toBe(false);
  });

  it('say when they were delivered and why they were canceled, from a closed set of reasons', () => {
    const order = {
      id: 'ord_1',
      status: 'canceled',
      grandTotal: 10_000,
      items: [],
      tikiOrderId: '141857488587784201',
      fulfilledAt: null,
      cancelReason: 'fulfilment_failed',
      createdAt: '2026-12-02T10:00:00.000Z',
      updatedAt: '2026-12-02T10:00:00.000Z',
    };
    expect(OrderResponseSchema.parse({ order })).toEqual({ order });
    const delivered = { ...order, status: 'completed', cancelReason: null, fulfilledAt: order.createdAt };
    expect(OrderResponseSchema.parse({ order: delivered })).toEqual({ order: delivered });
    expect(OrderResponseSchema.safeParse({ order: { ...order, cancelReason: 'typo' } }).success).toBe(false);
  });

  it('fill the order routes’ id, and take idempotency keys of 8 to 128 URL-safe characters', () => {
    expect(orderPath(PAYMENT_ROUTES.cancelOrder, 'ord_1')).toBe('/api/orders/ord_1/cancel');
    expect(IdempotencyKeySchema.safeParse('checkout-2f1c9a').success).toBe(true);
    expect(IdempotencyKeySchema.safeParse('short').success).toBe(false);
    expect(IdempotencyKeySchema.safeParse('has space 123').success).toBe(false);
  });
});
