/**
 * The parent side of the bench's child processes. Every process under measurement is its own Node process, so
 * that the load generator never shares its event loop: a TypeScript entry under tsx, or built JavaScript.
 *
 * Two ways to know it is ready: a bench helper (emulator, bare Express) announces `{ type: 'ready', origin }`
 * over IPC and answers `{ id, op, args }` calls; the real server (its production bundle, started exactly as
 * in production) gets a free port in PORT and is ready when `GET /readyz` answers 200.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Child {
  readonly pid: number;
  readonly origin: string;
  /** Calls a handler the child registered with `serveIpc`. */
  call<T = unknown>(op: string, args?: unknown): Promise<T>;
  /** Resolves when the process has exited, however that happened. */
  readonly exited: Promise<ChildExit>;
  /** Sends a signal (SIGTERM by default) and waits for the exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ChildExit>;
  /** What the child wrote to stderr and stdout so far (the last 64 KB), for error messages. */
  output(): string;
}

export type Readiness = { kind: 'ipc' } | { kind: 'http'; origin: string; path: string };

export interface StartChildOptions {
  ready: Readiness;
  env?: Record<string, string | undefined>;
  args?: string[];
  /** Extra Node flags, e.g. --expose-gc. */
  nodeFlags?: string[];
  readyTimeoutMs?: number;
  /**
   * Send stdout and stderr straight to this file instead of through the bench (no bench CPU spent on the
   * server's log lines, and the log is kept for reading afterwards).
   */
  logFile?: string;
  /** Called with every complete line the child writes to stdout (e.g. JSON log lines); needs no logFile. */
  onStdoutLine?: (line: string) => void;
}

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** Every child still running, killed if the bench itself exits early (a failed assertion, Ctrl-C). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-65_536);
  } catch {
    return '';
  }
}

/** Resident set size of any process, from /proc (Linux), in bytes. */
export async function residentSetBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`bench: no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

async function waitForHttp(url: string, exited: Promise<ChildExit>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  while (!gone && Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

export async function startChild(entry: URL, o: StartChildOptions): Promise<Child> {
  const logFd = o.logFile === undefined ? undefined : openSync(o.logFile, 'a');
  const out = logFd ?? 'pipe';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // TypeScript sources through tsx; built JavaScript (the server's bundle) as it is.
      ...(entry.pathname.endsWith('.ts') ? ['--import', TSX_LOADER] : []),
      ...(o.nodeFlags ?? []),
      fileURLToPath(entry),
      ...(o.args ?? []),
    ],
    {
      env: { ...process.env, ...o.env },
      stdio: o.ready.kind === 'ipc' ? ['ignore', out, out, 'ipc'] : ['ignore', out, out],
      serialization: 'advanced',
    },
  );
  const pid = child.pid;
  if (logFd !== undefined) closeSync(logFd);
  if (pid === undefined) throw new Error(`bench: could not start ${entry.pathname}`);
  running.add(child);

  let captured = '';
  const logFile = o.logFile;
  const output = () => (logFile === undefined ? captured : readTail(logFile));
  const capture = (chunk: Buffer) => {
    captured = (captured + chunk.toString('utf8')).slice(-65_536);
  };
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    capture(chunk);
    if (!o.onStdoutLine) return;
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line !== '') o.onStdoutLine(line);
  });
  child.stderr?.on('data', capture);

  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let readyResolve: (origin: string) => void = () => {};
  const ready = new Promise<string>((resolve) => {
    readyResolve = resolve;
  });
  child.on('message', (message: { type?: string; origin?: string } & Partial<Reply>) => {
    if (message.type === 'ready' && typeof message.origin === 'string') {
      readyResolve(message.origin);
      return;
    }
    if (typeof message.id !== 'number') return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.value);
    else waiter.reject(new Error(`bench: child ${pid}: ${message.error}`));
  });
  void exited.then(({ code, signal }) => {
    for (const waiter of pending.values()) {
      waiter.reject(new Error(`bench: child ${pid} exited (${signal ?? code}) before answering`));
    }
    pending.clear();
  });

  const timeoutMs = o.readyTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const readiness = o.ready;
  if (readiness.kind === 'http') {
    void waitForHttp(`${readiness.origin}${readiness.path}`, exited, timeoutMs).then((ok) => {
      if (ok) readyResolve(readiness.origin);
    });
  }
  const outcome = await Promise.race([
    ready.then((origin) => ({ origin })),
    exited.then((exit) => ({ exit })),
    new Promise<{ timeout: true }>((resolve) => {
      timer = setTimeout(() => resolve({ timeout: true }), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (!('origin' in outcome)) {
    if (!('exit' in outcome)) child.kill('SIGKILL');
    const why =
      'exit' in outcome ? `exited (${outcome.exit.signal ?? outcome.exit.code})` : 'did not get ready';
    throw new Error(`bench: ${entry.pathname} ${why} within ${timeoutMs} ms:\n${output().slice(-4000)}`);
  }

  return {
    pid,
    origin: outcome.origin,
    exited,
    output,
    call<T>(op: string, args?: unknown): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        if (!child.connected) {
          reject(new Error(`bench: child ${pid} is gone`));
          return;
        }
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, op, args });
      });
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}
