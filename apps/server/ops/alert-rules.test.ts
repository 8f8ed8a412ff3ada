/**
 * The alert rules as Prometheus reads them: promtool checks their syntax and runs their unit tests
 * (alerts.test.yml, series written by hand), and every series they name is one the server exports, so that a
 * renamed metric cannot leave an alert that never fires. promtool is Debian's `prometheus` package
 * (`pnpm test:setup` installs it); without it this fails, it does not skip.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createMetrics, METRIC_PREFIX } from '../src/metrics/metrics.ts';

const here = dirname(fileURLToPath(import.meta.url));
const PROMTOOL = process.env.PROMTOOL_PATH ?? 'promtool';

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await promisify(execFile)(PROMTOOL, args, { cwd: here });
    return stdout + stderr;
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(`${PROMTOOL} not found: run \`pnpm test:setup\` (Debian's prometheus package)`);
    }
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

describe('the alert rules (ops/alerts.yml)', () => {
  it('are valid rules', async () => {
    expect(await promtool('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('pass their unit tests: each alert fires where it should and stays quiet beside it', async () => {
    expect(await promtool('test', 'rules', 'alerts.test.yml')).toContain('SUCCESS');
  });

  it('name only series the server exports', async () => {
    const registry = createMetrics().registry;
    if (registry === null) throw new Error('createMetrics() has no registry');
    const exported = new Set<string>();
    for (const metric of await registry.getMetricsAsJSON()) {
      exported.add(metric.name);
      if (String(metric.type) === 'histogram') {
        for (const suffix of ['_count', '_sum', '_bucket']) exported.add(`${metric.name}${suffix}`);
      }
    }
    const rules = readFileSync(join(here, 'alerts.yml'), 'utf8');
    const named = new Set(rules.match(new RegExp(`\\b(${METRIC_PREFIX}|nodejs_)[a-z0-9_]+`, 'g')) ?? []);
    expect(named.size).toBeGreaterThan(5);
    // The pool's gauges exist only on PostgreSQL (watchPool); the rest always.
    const pool = createMetrics();
    pool.watchPool(() => ({ total: 1, idle: 1, waiting: 0, max: 10 }));
    for (const metric of (await pool.registry?.getMetricsAsJSON()) ?? []) exported.add(metric.name);
    expect([...named].filter((name) => !exported.has(name))).toEqual([]);
  });
});
