/**
 * Server RSS after 10,000 logins of distinct users, against RSS at start: a fresh server process on a fresh
 * database, RSS read from /proc/<pid>/status (the whole process as the OS sees it: V8 heap, SQLite's page
 * cache, buffers) right after it answers /readyz, then after the logins and a short settle.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Child, residentSetBytes } from '../child.ts';
import { fire, requireAllOk } from '../load-generator.ts';
import type { RowResult } from '../row.ts';
import { startServerUnderTest } from '../server-under-test.ts';
import { cycle, loginShot, mintCodes } from '../users.ts';
import { CONNECTIONS } from './http.ts';

const MB = 1024 * 1024;
const SETTLE_SECONDS = 60;
const MEMORY_PROBE = new URL('../processes/memory-probe.mjs', import.meta.url).href;

export async function measureMemoryRow(o: {
  emulator: Child;
  workDir: string;
  customerIds: number[];
}): Promise<{ row: RowResult; diagnosis: string }> {
  const probeFile = join(o.workDir, 'memory-probe.jsonl');
  const server = await startServerUnderTest({
    emulatorOrigin: o.emulator.origin,
    databaseFile: join(o.workDir, 'memory.sqlite'),
    logFile: join(o.workDir, 'server-memory.log'),
    env: { BENCH_MEMORY_PROBE_FILE: probeFile },
    nodeFlags: ['--expose-gc', '--import', MEMORY_PROBE],
  });
  let probes = 0;
  /** Full GC in the server, then its memory usage (see processes/memory-probe.mjs). */
  const probe = async (): Promise<NodeJS.MemoryUsage> => {
    probes++;
    process.kill(server.pid, 'SIGUSR2');
    for (let i = 0; i < 200; i++) {
      const lines = (await readFile(probeFile, 'utf8').catch(() => '')).split('\n').filter(Boolean);
      if (lines.length >= probes) return JSON.parse(lines[probes - 1] as string) as NodeJS.MemoryUsage;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('bench: the server did not answer the memory probe');
  };
  try {
    // Minted before the start is measured: the emulator is another process, but the bench should not be busy.
    const codes = await mintCodes(o.emulator, o.customerIds);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const atStart = await residentSetBytes(server.pid);
    const startCollected = await probe();
    const result = await fire({
      origin: server.origin,
      connections: CONNECTIONS,
      amount: codes.length,
      next: cycle(codes.map(loginShot)),
    });
    requireAllOk(`${codes.length} logins`, result);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rightAfter = await residentSetBytes(server.pid);
    const afterCollected = await probe();
    // V8 keeps the heap it grew under load until its memory reducer has run, in steps, some 20-40 s into
    // idleness; what stays after that is what the logins cost for good. Sampled every 5 s for a fixed
    // SETTLE_SECONDS (stopping at the first plateau would catch an intermediate step); the row judges the last
    // sample and shows them all.
    const samples: Array<[number, number]> = [[1, rightAfter]];
    for (let second = 5; second <= SETTLE_SECONDS; second += 5) {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      samples.push([second, await residentSetBytes(server.pid)]);
    }
    const after = (samples.at(-1) as [number, number])[1];
    const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
    const grew = (key: keyof NodeJS.MemoryUsage) =>
      `${key} ${mb(startCollected[key])} -> ${mb(afterCollected[key])}`;
    const diagnosis = [
      `RSS ${mb(atStart)} at start; after ${codes.length} logins (${result.okPerSecond.toFixed(0)}/s), ` +
        `${samples.map(([second, bytes]) => `${mb(bytes)} at +${second} s`).join(', ')}. ` +
        `The row counts the last one (growth ${mb(after - atStart)}); right after the logins it was ` +
        `${mb(rightAfter - atStart)}.`,
      '',
      'A full GC in the server (`--expose-gc`, preloaded probe) at start and 1 s after the logins, start -> after:',
      '',
      `- ${grew('rss')}`,
      `- ${grew('heapUsed')} (live JavaScript objects)`,
      `- ${grew('heapTotal')} (V8 heap reserved)`,
      `- ${grew('external')} (memory held outside the V8 heap: Buffers, SQLite, crypto)`,
      `- ${grew('arrayBuffers')}`,
    ].join('\n');
    return {
      diagnosis,
      row: {
        what: `server RSS after ${codes.length.toLocaleString('en')} logins of distinct users`,
        against: 'RSS at start (fresh process and database, after /readyz)',
        target: { comparison: 'at-most', value: 64, unit: 'MB' },
        measured: (after - atStart) / MB,
        subject: `${(after / MB).toFixed(0)} MB ${(samples.at(-1) as [number, number])[0]} s after (${(rightAfter / MB).toFixed(0)} MB 1 s after)`,
        baseline: `${(atStart / MB).toFixed(0)} MB at start`,
        rounds: 1,
      },
    };
  } finally {
    await server.stop();
  }
}
