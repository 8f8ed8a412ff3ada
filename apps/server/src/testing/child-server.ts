/** Spawns a server process (main.ts or the test fixture) and follows its JSON log lines. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SERVER_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildServer {
  url: string;
  child: ChildProcess;
  /** Every line the process wrote (stdout and stderr). */
  lines: string[];
  /** Resolves with the first line (already written or still to come) whose `msg` matches. */
  waitForLog(msg: RegExp): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function spawnServer(
  entry: 'src/main.ts' | 'src/testing/server-process.ts',
  env: Record<string, string>,
): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: SERVER_ROOT,
    // No metrics listener unless the test asks for one: several processes run at once.
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_PRETTY: 'false', METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { msg: RegExp; resolve: (line: string) => void }[] = [];
  const matches = (line: string, msg: RegExp) => {
    try {
      return msg.test(String((JSON.parse(line) as { msg?: unknown }).msg));
    } catch {
      return false;
    }
  };
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream as NodeJS.ReadableStream }).on('line', (line) => {
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (matches(line, waiter.msg)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    });
  }
  const waitForLog = (msg: RegExp) => {
    const seen = lines.find((line) => matches(line, msg));
    if (seen) return Promise.resolve(seen);
    return new Promise<string>((resolve) => waiters.push({ msg, resolve }));
  };
  const listening = await Promise.race([
    waitForLog(/^server listening$/),
    exited.then(({ code }) => {
      throw new Error(`server process exited (${code}) before listening:\n${lines.join('\n')}`);
    }),
  ]);
  return { url: (JSON.parse(listening) as { url: string }).url, child, lines, waitForLog, exited };
}
