import { performance } from 'node:perf_hooks';

/** Keeps results alive so that the JIT cannot drop the work being measured. */
let sink = 0;
export function consumedSink(): number {
  return sink;
}

/**
 * Calls `operation` in a tight loop for about `durationMs` and returns operations per second. The clock is read
 * once per batch so that reading it costs nothing measurable; the result's length feeds a sink.
 */
export function measureOpsPerSecond(
  operation: () => string | boolean | object,
  o: { durationMs: number; batch?: number },
): number {
  const batch = o.batch ?? 500;
  let operations = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < batch; i++) {
      const result = operation();
      sink += typeof result === 'string' ? result.length : result ? 1 : 0;
    }
    operations += batch;
    elapsed = performance.now() - start;
  } while (elapsed < o.durationMs);
  return (operations * 1000) / elapsed;
}
