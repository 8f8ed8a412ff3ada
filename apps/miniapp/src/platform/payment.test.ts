import { afterEach, describe, expect, it } from 'vitest';
import { makePayment, PaymentError } from './payment.ts';

const globals = globalThis as unknown as { my?: unknown };
afterEach(() => {
  delete globals.my;
});

function hostAnswering(answer: (o: { success: (r?: unknown) => void; fail: (r?: unknown) => void }) => void) {
  const orders: unknown[] = [];
  globals.my = {
    makePayment: (o: { orderId: unknown; success: (r?: unknown) => void; fail: (r?: unknown) => void }) => {
      orders.push(o.orderId);
      answer(o);
    },
  };
  return orders;
}

describe('my.makePayment as a promise', () => {
  it('pays Tiki’s order id, the string, and resolves when the screen reports success', async () => {
    const orders = hostAnswering((o) => o.success('success'));
    await makePayment('141857488587784201');
    expect(orders).toEqual(['141857488587784201']);
  });

  it.each([
    ['a message string (as Tiki’s samples read it)', 'user canceled', undefined, 'user canceled'],
    ['an object with errorMessage', { error: 4, errorMessage: 'closed' }, 4, 'closed'],
    ['nothing at all', undefined, undefined, 'no message'],
  ])('rejects a failure reported as %s with PaymentError', async (_, failure, code, message) => {
    hostAnswering((o) => o.fail(failure));
    const error = await makePayment('1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentError);
    expect(error).toMatchObject({ hostError: code });
    expect((error as Error).message).toContain(message);
  });

  it('rejects when the host throws (an old runtime without the API)', async () => {
    globals.my = {};
    await expect(makePayment('1')).rejects.toBeInstanceOf(PaymentError);
  });
});
