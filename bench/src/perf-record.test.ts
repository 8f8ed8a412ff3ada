/**
 * The profiler against a real process under Linux perf: it runs before `pnpm bench` (whose profiles it checks),
 * not in `pnpm test`, which needs nothing of perf. perf comes from Debian's `linux-perf` package.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { processCpuMicros } from './cpu-accounting.ts';
import { summarizeSelfTime } from './cpu-profile.ts';
import { perfNodeFlags, perfUnavailable, recordOnCpu } from './perf-profile.ts';

describe('recordOnCpu', () => {
  it('records where a real process spends its CPU time, naming its JavaScript functions', async () => {
    const missing = await perfUnavailable();
    if (missing) throw new Error(`this test needs perf: ${missing} (install Debian's linux-perf)`);
    const dir = await mkdtemp(join(tmpdir(), 'bench-perf-'));
    // Spins in a named function, in slices, so that it can say it is ready and still be killed.
    const child = spawn(
      process.execPath,
      [
        ...perfNodeFlags(dir),
        '-e',
        `function spinHere() { let x = 0; for (let i = 0; i < 2e5; i++) x += Math.sqrt(i); return x }
         const slice = () => { for (let k = 0; k < 20; k++) spinHere(); setImmediate(slice) };
         slice(); process.stdout.write('ready\\n');`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`the spinning child exited (${code})`)));
      });
      const pid = child.pid as number;
      let cpuUs = 0;
      const times = await recordOnCpu(pid, dir, async () => {
        // 300 ms of the child's CPU time, however long a busy machine takes to give it.
        const from = await processCpuMicros(pid);
        do {
          await sleep(20);
          cpuUs = (await processCpuMicros(pid)) - from;
        } while (cpuUs < 300_000);
      });
      const top = summarizeSelfTime(times, 1)[0];
      expect(top?.frame).toMatch(/^spinHere /);
      expect(top?.share).toBeGreaterThan(0.5);
      // The samples are CPU time: their total is the CPU the process used (10 ms ticks, and perf's last
      // moments after the work), not the wall time.
      const recordedUs = times.reduce((sum, t) => sum + t.us, 0);
      expect(recordedUs).toBeGreaterThan(cpuUs * 0.6);
      expect(recordedUs).toBeLessThan(cpuUs * 1.6);
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
    // Starting perf, 300 ms of the child's CPU and `perf report` took 2 to 4 s in clean runs, and past the
    // default 5 s once while every package's suites shared the two cores.
  }, 60_000);
});
