/**
 * The metrics as Prometheus reads them: on their own listener (METRICS_PORT), in the text format, with the
 * process's default metrics and the server's own series; never on the public port, and never an id or a secret.
 */
import type { Order } from '@tini-starter/api-contract/payments';
import { freePort } from '@tini-starter/tiki-platform/testing/ports';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Fulfil } from '../src/payments/fulfilment.ts';
import { closeAndExpectNoLeak, errorOf, type Stack, startStack } from '../src/testing/harness.ts';
import { testDatabase } from '../src/testing/test-database.ts';

let stack: Stack;
afterEach(() => closeAndExpectNoLeak(stack));

async function scrape(): Promise<string> {
  const url = stack.server.metricsUrl;
  if (url === null) throw new Error('the test server has no metrics listener');
  const answer = await fetch(`${url}/metrics`);
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return answer.text();
}

/** The value of one series, e.g. `tini_logins_total{outcome="ok"}`; 0 when absent. */
function seriesValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** The sum of every series of `name` whose labels include all of `labels` (e.g. `to="completed"`). */
function sumOf(text: string, name: string, ...labels: string[]): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .filter((l) => labels.every((label) => l.includes(label)))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

async function metricsStack(o: { env?: Record<string, string>; fulfil?: Fulfil } = {}) {
  stack = await startStack({
    ...(o.fulfil ? { fulfil: o.fulfil } : {}),
    env: { METRICS_PORT: String(await freePort()), TIKI_ROUTE_LIMIT_MAX: '1000', ...o.env },
  });
  stack.routeIpns();
  const token = await stack.loginToken();
  const buy = async () => {
    const answer = await stack.request('POST', '/api/orders', {
      token,
      json: { items: [{ productId: 'xu-100', quantity: 1 }] },
    });
    expect(answer.status).toBe(201);
    return (answer.body as { order: Order }).order;
  };
  return { token, buy };
}

describe('the metrics listener', () => {
  it('serves the default and the server’s own series on its own port, and the public port answers 404', async () => {
    stack = await startStack({ env: { METRICS_PORT: String(await freePort()) } });
    const token = await stack.loginToken();
    expect((await stack.request('GET', '/api/me', { token })).status).toBe(200);
    expect((await stack.request('GET', '/api/orders/ord_nobody', { token })).status).toBe(404);
    expect(
      (await stack.request('POST', '/api/auth/login', { json: { authCode: 'used-or-unknown' } })).status,
    ).toBe(401);

    const text = await scrape();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(
      seriesValue(
        text,
        'tini_http_request_duration_seconds_count{route="/api/me",method="GET",status_class="2xx"}',
      ),
    ).toBe(1);
    // A route template, never the id asked for.
    expect(
      seriesValue(
        text,
        'tini_http_request_duration_seconds_count{route="/api/orders/:id",method="GET",status_class="4xx"}',
      ),
    ).toBe(1);
    expect(text).not.toContain('ord_nobody');
    expect(seriesValue(text, 'tini_logins_total{outcome="ok"}')).toBe(1);
    expect(seriesValue(text, 'tini_logins_total{outcome="invalid_code"}')).toBe(1);
    expect(text).not.toContain(token);

    expect((await stack.request('GET', '/metrics')).status).toBe(404);
    expect((await fetch(`${stack.server.metricsUrl}/`)).status).toBe(404);
  });

  it('shows every known outcome from the start, at 0, so that rate() and the alert rules see the first event', async () => {
    stack = await startStack({ env: { METRICS_PORT: String(await freePort()) } });
    const lines = (await scrape()).split('\n');
    for (const series of [
      'tini_logins_total{outcome="upstream_unavailable"} 0',
      'tini_ipn_received_total{outcome="error"} 0',
      'tini_fulfilments_total{stage="given_up"} 0',
      'tini_order_sweep_runs_total{outcome="ok"} 0',
      'tini_orders_created_total 0',
      'tini_order_oldest_unfulfilled_paid_age_seconds 0',
    ]) {
      expect(lines).toContain(series);
    }
  });

  it('is off with METRICS_PORT=0', async () => {
    stack = await startStack();
    expect(stack.server.metricsUrl).toBeNull();
  });
});

describe('what the on-call person sees', () => {
  it('a paid order: created, its status changes, the fulfilment, the IPN and its delay, each Tiki call', async () => {
    const { buy } = await metricsStack();
    const order = await buy();
    stack.emulator.pay(order.tikiOrderId ?? '', 'success');
    await stack.emulator.ipnSettled();
    const text = await scrape();

    expect(seriesValue(text, 'tini_orders_created_total')).toBe(1);
    expect(sumOf(text, 'tini_order_status_changes_total', 'to="online_paid"')).toBe(1);
    expect(seriesValue(text, 'tini_order_status_changes_total{from="online_paid",to="completed"}')).toBe(1);
    expect(seriesValue(text, 'tini_fulfilments_total{stage="started"}')).toBe(1);
    expect(seriesValue(text, 'tini_fulfilments_total{stage="succeeded"}')).toBe(1);
    expect(seriesValue(text, 'tini_fulfilments_total{stage="given_up"}')).toBe(0);
    expect(seriesValue(text, 'tini_ipn_received_total{outcome="applied"}')).toBeGreaterThanOrEqual(1);
    expect(seriesValue(text, 'tini_ipn_apply_delay_seconds_count')).toBeGreaterThanOrEqual(1);
    const tiki = 'tini_tiki_request_duration_seconds_count';
    expect(seriesValue(text, `${tiki}{route="POST /oauth/auth/token",outcome="ok",reason=""}`)).toBe(1);
    expect(seriesValue(text, `${tiki}{route="POST /order",outcome="ok",reason=""}`)).toBe(1);
    expect(seriesValue(text, `${tiki}{route="GET /order",outcome="ok",reason=""}`)).toBeGreaterThanOrEqual(1);
    expect(seriesValue(text, `${tiki}{route="POST /order/complete",outcome="ok",reason=""}`)).toBe(1);
    // Nothing personal: no order id, no Tiki id, no amount.
    expect(text).not.toContain(order.id);
    expect(text).not.toContain(order.tikiOrderId);
    // SQLite has no pool: no pool series rather than zeros.
    expect(text).not.toContain('tini_store_pool_total');
  });

  it('an IPN refused for its signature, and one sent again', async () => {
    const { buy } = await metricsStack();
    const order = await buy();
    stack.emulator.pay(order.tikiOrderId ?? '', 'success');
    await stack.emulator.ipnSettled();
    const [message] = stack.emulator.ipnMessages();
    if (message === undefined) throw new Error('the emulator sent no IPN');
    const forged = await stack.request('POST', '/api/tiki/ipn', {
      body: message.body,
      headers: { 'content-type': 'application/json' },
    });
    expect(forged.status).toBe(401);
    expect((await stack.emulator.resendIpn(message.messageId)).status).toBe(200);
    const text = await scrape();
    expect(seriesValue(text, 'tini_ipn_received_total{outcome="bad_signature"}')).toBe(1);
    expect(seriesValue(text, 'tini_ipn_received_total{outcome="duplicate"}')).toBeGreaterThanOrEqual(1);
    expect(seriesValue(text, 'tini_ipn_received_total{outcome="error"}')).toBe(0);
  });

  it('a fulfilment that fails: counted, and the oldest paid order waits in the gauge, growing, until it is delivered', async () => {
    let failing = true;
    const fulfil: Fulfil = async () => {
      if (failing) throw new Error('the warehouse is down');
    };
    const { buy } = await metricsStack({ fulfil });
    const order = await buy();
    stack.emulator.pay(order.tikiOrderId ?? '', 'success');
    await stack.emulator.ipnSettled();
    let text = await scrape();
    expect(seriesValue(text, 'tini_fulfilments_total{stage="failed"}')).toBe(1);
    // The sweep finds it: paid, not delivered.
    stack.clock.advance(40_000);
    await stack.server.sweep();
    stack.clock.advance(60_000);
    text = await scrape();
    expect(seriesValue(text, 'tini_order_sweep_runs_total{outcome="ok"}')).toBe(1);
    expect(seriesValue(text, 'tini_order_sweep_orders_reread_total')).toBe(1);
    expect(seriesValue(text, 'tini_fulfilments_total{stage="failed"}')).toBe(2);
    const age = seriesValue(text, 'tini_order_oldest_unfulfilled_paid_age_seconds');
    expect(age).toBeGreaterThanOrEqual(100);
    expect(age).toBeLessThan(110);

    failing = false;
    stack.clock.advance(120_000);
    await stack.server.sweep();
    text = await scrape();
    expect(seriesValue(text, 'tini_fulfilments_total{stage="succeeded"}')).toBe(1);
    expect(seriesValue(text, 'tini_order_oldest_unfulfilled_paid_age_seconds')).toBe(0);
  });

  it('Tiki down: the sweep’s run and each attempt say so', async () => {
    const { buy } = await metricsStack();
    await buy();
    stack.emulator.setFault({ route: 'list_orders', kind: 'status', status: 503, times: 10 });
    stack.clock.advance(60_000);
    expect((await stack.server.sweep()).tikiUnavailable).toBe(true);
    const text = await scrape();
    expect(seriesValue(text, 'tini_order_sweep_runs_total{outcome="tiki_unavailable"}')).toBe(1);
    expect(
      sumOf(
        text,
        'tini_tiki_request_duration_seconds_count',
        'route="GET /order/list"',
        'outcome="server_error"',
      ),
    ).toBe(3);
  });

  it('rate limits hit, by limiter', async () => {
    await metricsStack({ env: { LOGIN_RATE_LIMIT_MAX: '1' } });
    for (const code of ['used-or-unknown-1', 'used-or-unknown-2']) {
      await stack.request('POST', '/api/auth/login', { json: { authCode: code } });
    }
    const text = await scrape();
    expect(seriesValue(text, 'tini_rate_limited_total{limiter="login"}')).toBe(1);
    expect(seriesValue(text, 'tini_logins_total{outcome="rate_limited"}')).toBe(1);
  });

  it('a database locked by another process: the wait, then storage_unavailable', async () => {
    await metricsStack({ env: { DATABASE_BUSY_TIMEOUT_MS: '300' } });
    const other = new Database(stack.server.dbFile);
    other.exec('BEGIN IMMEDIATE');
    const refused = await stack.login(stack.authCode());
    other.exec('ROLLBACK');
    other.close();
    expect(errorOf(refused).code).toBe('storage_unavailable');
    const text = await scrape();
    expect(seriesValue(text, 'tini_store_waits_total')).toBeGreaterThanOrEqual(1);
    expect(seriesValue(text, 'tini_store_unavailable_total')).toBeGreaterThanOrEqual(1);
  });

  it('on PostgreSQL, the pool: connections open, idle, waiting, and its size', async () => {
    await metricsStack({ env: { DATABASE_URL: await testDatabase(), DATABASE_POOL_MAX: '4' } });
    const text = await scrape();
    expect(seriesValue(text, 'tini_store_pool_max')).toBe(4);
    expect(seriesValue(text, 'tini_store_pool_total')).toBeGreaterThanOrEqual(1);
    expect(seriesValue(text, 'tini_store_pool_waiting')).toBe(0);
    expect(text).toContain('tini_store_pool_idle ');
  });
});
