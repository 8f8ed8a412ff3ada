/**
 * A real scrape: Debian's Prometheus (a throwaway config and data folder, a loopback port) scrapes a server that
 * runs against the emulator, after a login and a paid order, and its HTTP API answers the series ops/README.md
 * names, with the `instance` label Prometheus adds, and the alert rules loaded and evaluating. Without the
 * `prometheus` binary (`pnpm test:setup` installs it) this fails; it does not skip.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Order } from '@tini-starter/api-contract/payments';
import { freePort } from '@tini-starter/tiki-platform/testing/ports';
import { afterEach, expect, it } from 'vitest';
import { closeAndExpectNoLeak, type Stack, startStack } from '../src/testing/harness.ts';

const PROMETHEUS = process.env.PROMETHEUS_PATH ?? 'prometheus';
const RULES = join(dirname(fileURLToPath(import.meta.url)), '..', 'ops', 'alerts.yml');

let stack: Stack;
let prometheus: ChildProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  if (prometheus && prometheus.exitCode === null) {
    prometheus.kill('SIGTERM');
    await once(prometheus, 'exit');
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  await closeAndExpectNoLeak(stack);
});

async function startPrometheus(target: string): Promise<string> {
  dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    `rule_files: [${JSON.stringify(RULES)}]`,
    'scrape_configs:',
    '  - job_name: tini-server',
    `    static_configs: [{ targets: [${JSON.stringify(target)}] }]`,
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), `${config}\n`);
  const output: string[] = [];
  prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  prometheus.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const failed = new Promise<never>((_, reject) => {
    prometheus?.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new Error(`${PROMETHEUS} not found: run \`pnpm test:setup\` (Debian's prometheus package)`)
          : err,
      ),
    );
    prometheus?.once('exit', (code) => reject(new Error(`prometheus exited ${code}:\n${output.join('')}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const ready = (async () => {
    for (;;) {
      const answer = await fetch(`${url}/-/ready`).catch(() => null);
      if (answer?.ok) return url;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return Promise.race([ready, failed]);
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(url: string, promql: string): Promise<Sample[]> {
  const answer = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await answer.json()) as { status: string; data: { result: Sample[] } };
  expect(body.status).toBe('success');
  return body.data.result;
}

it('Prometheus scrapes the server after a login and a paid order, and evaluates the alert rules', async () => {
  stack = await startStack({ env: { METRICS_PORT: String(await freePort()), TIKI_ROUTE_LIMIT_MAX: '1000' } });
  stack.routeIpns();
  const token = await stack.loginToken();
  const created = await stack.request('POST', '/api/orders', {
    token,
    json: { items: [{ productId: 'xu-100', quantity: 1 }] },
  });
  const order = (created.body as { order: Order }).order;
  stack.emulator.pay(order.tikiOrderId ?? '', 'success');
  await stack.emulator.ipnSettled();
  await stack.server.sweep();
  expect((await stack.request('GET', `/api/orders/${order.id}`, { token })).status).toBe(200);

  const target = new URL(stack.server.metricsUrl ?? 'http://metrics-off').host;
  const url = await startPrometheus(target);
  let up: Sample[] = [];
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    up = await query(url, 'tini_orders_created_total');
    if (up.length > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  expect(up[0]?.metric).toMatchObject({ job: 'tini-server', instance: target });

  const nonZero: Record<string, string> = {
    logins: 'tini_logins_total{outcome="ok"}',
    requests: 'sum(tini_http_request_duration_seconds_count{route="/api/orders",method="POST"})',
    'Tiki calls': 'sum(tini_tiki_request_duration_seconds_count{route="POST /order",outcome="ok"})',
    'orders created': 'tini_orders_created_total',
    'status changes': 'sum(tini_order_status_changes_total{to="completed"})',
    fulfilments: 'tini_fulfilments_total{stage="succeeded"}',
    IPNs: 'tini_ipn_received_total{outcome="applied"}',
    'IPN delay': 'tini_ipn_apply_delay_seconds_count',
    sweeps: 'tini_order_sweep_runs_total{outcome="ok"}',
    'event loop': 'nodejs_eventloop_lag_p99_seconds',
    up: 'up{job="tini-server"}',
  };
  const seen: Record<string, number> = {};
  for (const [what, promql] of Object.entries(nonZero)) {
    seen[what] = Number((await query(url, promql))[0]?.value[1] ?? 0);
  }
  expect(Object.entries(seen).filter(([, value]) => !(value > 0))).toEqual([]);
  expect(Number((await query(url, 'tini_order_oldest_unfulfilled_paid_age_seconds'))[0]?.value[1])).toBe(0);

  // Every rule evaluated at least once, none in error (a query Prometheus cannot run).
  type Rule = { name: string; health: string; lastError?: string };
  let loaded: Rule[] = [];
  const rulesDeadline = Date.now() + 30_000;
  while (Date.now() < rulesDeadline) {
    const rules = (await (await fetch(`${url}/api/v1/rules`)).json()) as {
      data: { groups: { rules: Rule[] }[] };
    };
    loaded = rules.data.groups.flatMap((group) => group.rules);
    if (loaded.length > 0 && loaded.every((rule) => rule.health !== 'unknown')) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  expect(loaded.map((rule) => rule.name)).toContain('TiniPaidOrderNotDelivered');
  expect(loaded.filter((rule) => rule.health !== 'ok')).toEqual([]);
  const firing = (await query(url, 'ALERTS{alertstate="firing"}')).map((s) => s.metric.alertname);
  expect(firing).toEqual([]);
});
