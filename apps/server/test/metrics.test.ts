/**
 * The metrics as Prometheus reads them: on their own listener (METRICS_PORT), in the text format, with the
 * process's default metrics and the server's own series; never on the public port, and never an id or a secret.
 */
import { freePort } from '@tini-starter/tiki-platform/testing/ports';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAndExpectNoLeak, type Stack, startStack } from '../src/testing/harness.ts';

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

  it('is off with METRICS_PORT=0', async () => {
    stack = await startStack();
    expect(stack.server.metricsUrl).toBeNull();
  });
});
