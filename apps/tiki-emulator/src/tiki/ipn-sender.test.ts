import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IPN_RETRY_DELAYS_MS, IpnMessageSchema } from '@tini-starter/tiki-platform/payments';
import { TIKI_HEADERS } from '@tini-starter/tiki-platform/schemas';
import { verifySignature } from '@tini-starter/tiki-platform/verify';
import { afterEach, describe, expect, it } from 'vitest';
import { control, DEV, type Running, startEmulator, tikiClient } from '../testing/harness.ts';
import { vietnamTime } from './ipn-sender.ts';

interface Received {
  headers: IncomingMessage['headers'];
  raw: string;
}
type Reply = number | 'hang' | 'destroy';

/** The app's IPN receiver: a real server on loopback that records what arrives and answers as told. */
async function receiver(reply: (n: number) => Reply = () => 200) {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
      const answer = reply(received.length);
      if (answer === 'hang') hanging.push(res);
      else if (answer === 'destroy') req.socket.destroy();
      else res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/tiki/ipn`;
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url, received, messages: () => received.map((r) => IpnMessageSchema.parse(JSON.parse(r.raw))) };
}
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function paidOrder(run: Running, outcome: 'success' | 'cancel' | 'abandon' | 'cod' = 'success') {
  const paymentMethod = outcome === 'cod' ? { paymentMethod: 'cod' } : {};
  const order = await tikiClient(run).createOrder({
    customer_id: '1',
    items: [{ name: 'Gói 100 xu', quantity: 1, price: 50_000 }],
    reference_id: 'ord_1',
  });
  const paid = await control(run, 'POST', `/orders/${order.id}/pay`, { outcome, ...paymentMethod });
  await run.emulator.ipnSettled();
  return { id: order.id, paid };
}

/** Moves the emulator's clock and runs what became due, then waits for the deliveries it started. */
async function advance(run: Running, ms: number) {
  run.clock.advance(ms);
  run.emulator.runScheduled();
  await run.emulator.ipnSettled();
}

describe('IPN deliveries', () => {
  it('notifies a payment once, signed with the app’s pair over the exact bytes, as ipn.md shapes it', async () => {
    const app = await receiver();
    const run = await startEmulator({ ipnUrl: app.url });
    const { id, paid } = await paidOrder(run);
    expect(paid.body).toMatchObject({
      order: { id, status: 'online_paid', tiki_order_id: expect.stringMatching(/^\d+$/) },
    });
    expect(app.received).toHaveLength(1);
    const [delivery] = app.received;
    const verdict = verifySignature({
      ...DEV,
      timestamp: delivery?.headers[TIKI_HEADERS.timestamp] as string,
      signature: delivery?.headers[TIKI_HEADERS.signature] as string,
      content: delivery?.raw ?? '',
      now: run.clock.now(),
    });
    expect(verdict).toEqual({ ok: true });
    expect(delivery?.headers[TIKI_HEADERS.clientId]).toBe(DEV.clientId);
    const [message] = app.messages();
    expect(message).toMatchObject({
      message_type: 'notification',
      message_created_at: vietnamTime(run.clock.now()),
      order: { id, status: 'online_paid', reference_id: 'ord_1' },
    });
    expect(message?.message_id).toMatch(/^\d{18}$/);
    expect(run.emulator.requests().at(-1)).toMatchObject({ route: 'ipn', status: 200, verdict: 'delivered' });
  });

  it('retries a 5xx on Tiki’s schedule of the emulator’s clock: not before 1 min, then at 1 min', async () => {
    const app = await receiver((n) => (n === 1 ? 503 : 200));
    const run = await startEmulator({ ipnUrl: app.url });
    await paidOrder(run);
    await advance(run, 59_000);
    expect(app.received).toHaveLength(1);
    await advance(run, 1_000);
    expect(app.received).toHaveLength(2);
    // The same message each time, signed afresh.
    expect(app.received[1]?.raw).toBe(app.received[0]?.raw);
    expect(run.emulator.ipnMessages()[0]).toMatchObject({
      state: 'delivered',
      attempts: [
        { status: 503, outcome: 'failed' },
        { status: 200, outcome: 'delivered' },
      ],
    });
  });

  it('gives up after the seventh retry (24 h), counting no answer and a dropped connection as failures', async () => {
    const app = await receiver((n) => (n % 2 === 0 ? 'destroy' : 500));
    const run = await startEmulator({ ipnUrl: app.url });
    await paidOrder(run);
    for (const delay of IPN_RETRY_DELAYS_MS) await advance(run, delay);
    expect(app.received).toHaveLength(1 + IPN_RETRY_DELAYS_MS.length);
    await advance(run, 48 * 3_600_000);
    expect(app.received).toHaveLength(8);
    expect(run.emulator.ipnMessages()[0]).toMatchObject({ state: 'gave_up', nextAttemptAt: null });
    expect(run.emulator.ipnMessages()[0]?.attempts.map((a) => a.status)).toEqual([
      500, 0, 500, 0, 500, 0, 500, 0,
    ]);
  });

  it('counts no answer within the deadline as a failure to retry', async () => {
    const app = await receiver((n) => (n === 1 ? 'hang' : 200));
    const run = await startEmulator({ ipnUrl: app.url, ipnAnswerTimeoutMs: 200 });
    await paidOrder(run);
    expect(run.emulator.ipnMessages()[0]?.attempts).toEqual([
      expect.objectContaining({ status: 0, outcome: 'failed', note: 'no answer within 200 ms' }),
    ]);
    await advance(run, 60_000);
    expect(run.emulator.ipnMessages()[0]?.state).toBe('delivered');
  });

  it('does not retry a 4xx (assumption: ipn.md retries only 5xx, timeouts and network errors)', async () => {
    const app = await receiver(() => 401);
    const run = await startEmulator({ ipnUrl: app.url });
    await paidOrder(run);
    await advance(run, 3_600_000);
    expect(app.received).toHaveLength(1);
    expect(run.emulator.ipnMessages()[0]?.state).toBe('refused');
  });

  it('notifies a cancel on the payment screen at once, an abandoned payment 4 h later, and never COD', async () => {
    const app = await receiver();
    const run = await startEmulator({ ipnUrl: app.url });
    const canceled = await paidOrder(run, 'cancel');
    expect(app.messages().map((m) => [m.order.id, m.order.status])).toEqual([[canceled.id, 'canceled']]);

    const abandoned = await paidOrder(run, 'abandon');
    expect(abandoned.paid.body).toMatchObject({ order: { status: 'waiting_for_payment' } });
    await advance(run, 4 * 3_600_000 - 1_000);
    expect(app.received).toHaveLength(1);
    await advance(run, 1_000);
    expect(app.messages().at(-1)?.order).toMatchObject({ id: abandoned.id, status: 'canceled' });

    const cod = await paidOrder(run, 'cod');
    expect(cod.paid.body).toMatchObject({ order: { status: 'processing' } });
    expect(app.received).toHaveLength(2);
  });

  it('uses an order id for one payment only (409 payment_already_used)', async () => {
    const run = await startEmulator();
    const { id } = await paidOrder(run, 'cancel');
    const again = await control(run, 'POST', `/orders/${id}/pay`, { outcome: 'success' });
    expect(again).toMatchObject({ status: 409, body: { error: { reason: 'payment_already_used' } } });
  });

  it('sends nothing without an IPN URL, and an app’s own URL wins over the default', async () => {
    const own = await receiver();
    const fallback = await receiver();
    const run = await startEmulator({
      ipnUrl: fallback.url,
      apps: [{ ...DEV, allowedScopes: [], ipnUrl: own.url }],
    });
    await paidOrder(run);
    expect([own.received.length, fallback.received.length]).toEqual([1, 0]);
    const silent = await startEmulator();
    await paidOrder(silent);
    expect(silent.emulator.ipnMessages()).toEqual([]);
  });
});

describe('IPN controls, for a receiver’s dedupe', () => {
  it('resends a message, sends duplicates at once, and delivers two out of order', async () => {
    const app = await receiver();
    const run = await startEmulator({ ipnUrl: app.url });
    const first = await paidOrder(run, 'success');
    const [message] = run.emulator.ipnMessages();
    const messageId = message?.messageId ?? '';

    const resent = await control(run, 'POST', `/ipn/${messageId}/resend`);
    expect(resent).toMatchObject({ status: 200, body: { attempt: { status: 200, note: 'resend' } } });
    const duplicated = await control(run, 'POST', `/ipn/${messageId}/duplicate`, { copies: 3 });
    expect((duplicated.body.attempts as unknown[]).length).toBe(3);
    expect(new Set(app.messages().map((m) => m.message_id))).toEqual(new Set([messageId]));
    expect(app.received).toHaveLength(5);

    // Tiki then cancels the paid order (a refund): a second message. Delivered again out of order, the newer
    // (canceled) arrives first; a receiver must keep it.
    run.clock.advance(60_000);
    const cancel = await control(run, 'POST', `/orders/${first.id}/cancel`);
    expect(cancel.body).toMatchObject({ order: { status: 'canceled' } });
    await run.emulator.ipnSettled();
    const before = app.received.length;
    const outOfOrder = await control(run, 'POST', `/orders/${first.id}/ipn-out-of-order`);
    expect(outOfOrder.status).toBe(200);
    expect(
      app
        .messages()
        .slice(before)
        .map((m) => m.order.status),
    ).toEqual(['canceled', 'online_paid']);
    const [newer, older] = app.messages().slice(before);
    expect(Date.parse(newer?.message_created_at ?? '')).toBeGreaterThan(
      Date.parse(older?.message_created_at ?? ''),
    );

    const lone = await paidOrder(run, 'success');
    const refused = await control(run, 'POST', `/orders/${lone.id}/ipn-out-of-order`);
    expect(refused).toMatchObject({ status: 409, body: { error: { reason: 'invalid_request' } } });
    const missing = await control(run, 'POST', '/ipn/1/resend');
    expect(missing).toMatchObject({ status: 404, body: { error: { reason: 'not_found' } } });
  });
});
