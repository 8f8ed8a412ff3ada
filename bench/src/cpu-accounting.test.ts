import { describe, expect, it } from 'vitest';
import { accountCpu, processCpuMicros } from './cpu-accounting.ts';

/** Spins until this process has used `micros` of CPU (not wall time: a busy machine only makes it slower). */
function burnCpu(micros: number): number {
  const start = process.cpuUsage();
  let x = 0;
  for (;;) {
    for (let i = 0; i < 10_000; i++) x += Math.sqrt(i + x);
    const used = process.cpuUsage(start);
    if (used.user + used.system >= micros) return x;
  }
}

describe('processCpuMicros', () => {
  it('reads a growing CPU time for this very process', async () => {
    const before = await processCpuMicros(process.pid);
    burnCpu(50_000);
    expect(await processCpuMicros(process.pid)).toBeGreaterThan(before);
  });
});

describe('accountCpu', () => {
  it('gives the CPU spent during the work per process, and the bench as the load generator', async () => {
    const { value, cpuUs } = await accountCpu({ self: process.pid }, async () => burnCpu(50_000));
    expect(value).toBeGreaterThan(0);
    expect(Object.keys(cpuUs).sort()).toEqual(['load generator', 'self']);
    expect(cpuUs['load generator']).toBeGreaterThanOrEqual(50_000);
    // /proc counts in 10 ms ticks: the same work, seen from outside, within a tick or two.
    expect(cpuUs.self).toBeGreaterThanOrEqual(30_000);
  });
});
