/**
 * autocannon, wrapped: each request comes from `next()` (a path, headers, a body), latencies are kept as the
 * floating-point milliseconds autocannon measures (its own histogram rounds them to whole milliseconds, too
 * coarse for a p99/p50 ratio of a fast route), and every status is counted.
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { percentile } from './stats.ts';

export interface Shot {
  method?: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface FireOptions {
  origin: string;
  connections: number;
  /** Run for this long, or until `amount` requests were answered (amount wins). */
  durationSeconds?: number;
  amount?: number;
  /** Per-request timeout, counted in `timeouts` (autocannon's default is 10 s). */
  timeoutSeconds?: number;
  next: () => Shot;
  /** Sees every answer (e.g. to keep the tokens of logins). */
  onResponse?: (status: number, body: string) => void;
}

export interface FireResult {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
  seconds: number;
  /** 2xx answers per second of wall time. */
  okPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export async function fire(o: FireOptions): Promise<FireResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const started = performance.now();
  // The run ends at its last answer: with `amount`, autocannon only notices it is done on its 1 s tick, so its
  // own end (or the promise's) rounds every run up to whole seconds and would flatten the req/s of short runs.
  let lastAnswerAt = started;
  let settle: (r: autocannon.Result) => void = () => {};
  let fail: (e: unknown) => void = () => {};
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  const instance = autocannon(
    {
      url: o.origin,
      connections: o.connections,
      ...(o.amount !== undefined ? { amount: o.amount } : { duration: o.durationSeconds ?? 5 }),
      timeout: o.timeoutSeconds ?? 10,
      requests: [
        {
          setupRequest: (request) => {
            const shot = o.next();
            return {
              ...request,
              method: shot.method ?? 'GET',
              path: shot.path,
              headers: shot.headers ?? {},
              ...(shot.body !== undefined ? { body: shot.body } : {}),
            } as typeof request;
          },
          ...(o.onResponse
            ? {
                onResponse: (status: number, body: string) => {
                  o.onResponse?.(status, body);
                },
              }
            : {}),
        },
      ],
    },
    (error, result) => (error ? fail(error) : settle(result)),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    lastAnswerAt = performance.now();
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const result = await finished;
  const seconds = (lastAnswerAt - started) / 1000;
  const ok = latencies.length;
  return {
    requests: Object.values(statuses).reduce((a, b) => a + b, 0),
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
    seconds,
    okPerSecond: seconds > 0 ? ok / seconds : 0,
    p50Ms: ok > 0 ? percentile(latencies, 50) : Number.NaN,
    p99Ms: ok > 0 ? percentile(latencies, 99) : Number.NaN,
  };
}

/** Throws when a run had anything but 2xx answers: a benchmark of errors measures nothing. */
export function requireAllOk(what: string, r: FireResult): void {
  if (r.non2xx === 0 && r.errors === 0 && r.timeouts === 0) return;
  throw new Error(
    `bench: ${what}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts ` +
      `(statuses ${JSON.stringify(r.statuses)})`,
  );
}
