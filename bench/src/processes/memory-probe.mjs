/**
 * Preloaded (`--import`) into a server process under measurement, with `--expose-gc`: on SIGUSR2 it runs a
 * full GC and appends the process's memory usage as one JSON line to BENCH_MEMORY_PROBE_FILE. It changes
 * nothing else in the server; it lets the bench tell live heap from heap not yet collected. Plain JavaScript: the
 * server under measurement runs its built bundle with plain node, no TypeScript loader.
 */
import { appendFileSync } from 'node:fs';

const file = process.env.BENCH_MEMORY_PROBE_FILE;
const gc = globalThis.gc;
if (file && gc) {
  process.on('SIGUSR2', () => {
    gc();
    appendFileSync(file, `${JSON.stringify(process.memoryUsage())}\n`);
  });
}
