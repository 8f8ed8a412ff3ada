import { describe, expect, it } from 'vitest';
import { TIKI_PAYMENT_REASONS } from '../facts/payments.ts';
import { TIKI_HEADERS } from '../facts/schemas.ts';
import { envelope, SAMPLE_ORDER, tikiError } from '../testing/fake-tiki.ts';
import { rejection, useFakeTiki } from '../testing/harness.ts';
import { isTransient, TikiApiError, TikiResponseError, TikiTimeoutError } from './errors.ts';

const h = useFakeTiki();
const ORDER = {
  customer_id: '1',
  items: [{ name: 'Gói 100 xu', quantity: 2, price: 75000 }],
  reference_id: 'ord_1',
};

describe('createOrder (POST /order)', () => {
  it('sends the body it signed, byte for byte, and returns Tiki’s order with its id as a string', async () => {
    const order = await h.client().createOrder(ORDER);
    expect(order).toEqual(SAMPLE_ORDER);
    // 141857488587784201 > 2^53: as a number it would read …208.
    expect(order.id).toBe('141857488587784201');
    const sent = h.tiki.requests[0];
    expect(sent?.rawBody.toString()).toBe(JSON.stringify(ORDER));
    expect(sent?.verdict).toEqual({ ok: true });
  });

  it('is never retried: a 503 is answered once, a timeout may or may not have made an order', async () => {
    h.tiki.on('createOrder', () => ({ status: 503, json: tikiError('server_error', 'busy', 503) }));
    const busy = await rejection(h.client().createOrder(ORDER));
    expect(busy).toBeInstanceOf(TikiApiError);
    expect(h.tiki.count('createOrder')).toBe(1);

    h.tiki.on('createOrder', () => ({ hang: true }));
    const slow = await rejection(h.client({ timeoutMs: 200 }).createOrder(ORDER));
    expect(slow).toBeInstanceOf(TikiTimeoutError);
    expect(slow.message).toContain('may or may not have taken effect');
    expect(h.tiki.count('createOrder')).toBe(2);
  });

  it('reads a documented refusal with its reason and metadata', async () => {
    h.tiki.on('createOrder', () => ({
      status: 400,
      json: {
        data: null,
        error: {
          code: 400,
          reason: TIKI_PAYMENT_REASONS.amountLimitExceeded,
          message: 'order amount exceeds the limit',
          metadata: { service_code: 'order', request_id: 'r-1' },
        },
      },
    }));
    const error = await rejection(h.client().createOrder(ORDER));
    expect(error).toMatchObject({
      name: 'TikiApiError',
      reason: 'ORDER_AMOUNT_LIMIT_EXCEEDED',
      metadata: { request_id: 'r-1' },
    });
  });

  it('reads an error envelope without a reason (Tiki marks it optional) by its HTTP status', async () => {
    const refusal = (status: number) => () => ({
      status,
      json: { data: null, error: { code: status, message: 'invalid parameters' } },
    });
    h.tiki.on('createOrder', refusal(400));
    const refused = await rejection(h.client().createOrder(ORDER));
    expect(refused).toMatchObject({ name: 'TikiApiError', reason: '', status: 400 });
    expect(isTransient(refused)).toBe(false);
    h.tiki.on('createOrder', refusal(503));
    const failing = await rejection(h.client().createOrder(ORDER));
    expect(failing).toMatchObject({ name: 'TikiApiError', reason: '', status: 503 });
    expect(isTransient(failing)).toBe(true);
  });

  it('refuses, before calling Tiki, a numeric customer id, an empty cart or a fractional price', async () => {
    const client = h.client();
    for (const bad of [
      { ...ORDER, customer_id: 1 },
      { ...ORDER, items: [] },
      { ...ORDER, items: [{ name: 'x', quantity: 1, price: 10.5 }] },
    ]) {
      await expect(client.createOrder(bad as never)).rejects.toThrow(TypeError);
    }
    expect(h.tiki.requests).toHaveLength(0);
  });

  it('refuses an answer whose order id is a JSON number: it would already be rounded', async () => {
    h.tiki.on('createOrder', () => ({
      text: '{"data":{"order":{"id":141857488587784201,"status":"draft","grand_total":1}},"error":null}',
      contentType: 'application/json',
    }));
    const error = await rejection(h.client().createOrder(ORDER));
    expect(error).toBeInstanceOf(TikiResponseError);
  });
});

describe('getOrder and listOrders (signed GETs)', () => {
  it('signs the path and query without the base URL, and retries a 5xx as a read', async () => {
    h.tiki.on('getOrder', (_request, attempt) =>
      attempt === 1
        ? { status: 502, text: 'Bad Gateway', contentType: 'text/html' }
        : { json: envelope({ order: { ...SAMPLE_ORDER, status: 'online_paid' } }) },
    );
    const order = await h.client().getOrder('141857488587784201');
    expect(order.status).toBe('online_paid');
    expect(h.tiki.requests.map((r) => [r.method, r.pathAndQuery, r.verdict?.ok])).toEqual([
      ['GET', '/order?order_id=141857488587784201', true],
      ['GET', '/order?order_id=141857488587784201', true],
    ]);
    expect(h.tiki.requests[0]?.headers[TIKI_HEADERS.clientId]).toBeDefined();
  });

  it('joins the ids of a list with an encoded comma, and takes 1 to 100 ids', async () => {
    const orders = await h.client().listOrders(['141857488587784201', '141857488587784202']);
    expect(orders).toHaveLength(1);
    expect(h.tiki.requests[0]?.pathAndQuery).toBe(
      '/order/list?order_ids=141857488587784201%2C141857488587784202',
    );
    expect(h.tiki.requests[0]?.verdict).toEqual({ ok: true });
    await expect(h.client().listOrders([])).rejects.toThrow('1 to 100 ids');
    await expect(h.client().listOrders(Array.from({ length: 101 }, (_, i) => String(i)))).rejects.toThrow(
      '1 to 100 ids',
    );
  });

  it('refuses an order id that is not a string of digits', async () => {
    await expect(h.client().getOrder(Number(SAMPLE_ORDER.id) as never)).rejects.toThrow('string of digits');
    await expect(h.client().getOrder('12a')).rejects.toThrow(TypeError);
    expect(h.tiki.requests).toHaveLength(0);
  });
});

describe('completeOrder and cancelOrder', () => {
  it('sends push_opts (the docs’ examples misspell it pust_opts) and the comment', async () => {
    const done = await h
      .client()
      .completeOrder({ orderId: SAMPLE_ORDER.id, comment: 'fulfilled', pagePath: 'pages/orders/index' });
    expect(done.status).toBe('completed');
    expect(JSON.parse(h.tiki.requests[0]?.rawBody.toString() ?? '')).toEqual({
      order_id: SAMPLE_ORDER.id,
      comment: 'fulfilled',
      push_opts: { page_path: 'pages/orders/index' },
    });
    const canceled = await h.client().cancelOrder({ orderId: SAMPLE_ORDER.id, comment: 'user asked' });
    expect(canceled.status).toBe('canceled');
    expect(h.tiki.requests.map((r) => r.route)).toEqual(['completeOrder', 'cancelOrder']);
    expect(h.tiki.requests.every((r) => r.verdict?.ok)).toBe(true);
  });

  it('is not retried on a 5xx: the caller decides', async () => {
    h.tiki.on('completeOrder', () => ({ status: 503, json: tikiError('server_error', 'busy', 503) }));
    await rejection(h.client().completeOrder({ orderId: SAMPLE_ORDER.id, comment: 'x' }));
    expect(h.tiki.count('completeOrder')).toBe(1);
  });
});
