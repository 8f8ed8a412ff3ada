/** `pnpm dev`'s check before the watcher starts: a busy port stops it at once with one line, not a stack trace. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SERVER_ROOT = fileURLToPath(new URL('..', import.meta.url));

async function preflight(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/dev-preflight.ts'], {
    cwd: SERVER_ROOT,
    // No metrics port unless a case names one: 9464 may be another pnpm dev's.
    env: { PATH: process.env.PATH ?? '', METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const [code] = await once(child, 'exit');
  return { code: code as number, output };
}

describe('pnpm dev’s port check', () => {
  it('exits 1 with one line naming the port and PORT when another process listens there', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    try {
      const { code, output } = await preflight({ PORT: String(port) });
      expect(code).toBe(1);
      expect(output).toBe(
        `server: 127.0.0.1:${port} is already in use (another pnpm dev?); stop it or set PORT to a free port\n`,
      );
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it('exits 1 naming METRICS_PORT when the metrics port is taken', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    try {
      const { code, output } = await preflight({ PORT: '0', METRICS_PORT: String(port) });
      expect(code).toBe(1);
      expect(output).toBe(
        `server metrics: 127.0.0.1:${port} is already in use (another pnpm dev?); stop it or set METRICS_PORT to a free port\n`,
      );
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it('exits 0, saying nothing, when the port is free; 78 with the variable named when the configuration is bad', async () => {
    expect(await preflight({ PORT: '0' })).toEqual({ code: 0, output: '' });
    const bad = await preflight({ PORT: 'eighty' });
    expect(bad.code).toBe(78);
    expect(bad.output).toMatch(/^server: Invalid configuration:\n {2}- PORT: /);
  });
});
