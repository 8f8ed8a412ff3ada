import { describe, expect, it } from 'vitest';
import { accountCpu, processCpuMicros } from './cpu-accounting.ts';

describe('processCpuMicros', () => {
  it('reads a growing CPU time for this very process', async () => {
    const before = await processCpuMicros(process.pid);
    const until = Date.now() + 60;
    let x = 0;
    while (Date.now() < until) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    expect(await processCpuMicros(process.pid)).toBeGreaterThan(before);
  });
});

describe('accountCpu', () => {
  it('gives the CPU spent during the work per process, and the bench as the load generator', async () => {
    const { value, cpuUs } = await accountCpu({ self: process.pid }, async () => {
      const until = Date.now() + 60;
      let x = 0;
      while (Date.now() < until) x += 1;
      return x;
    });
    expect(value).toBeGreaterThan(0);
    expect(Object.keys(cpuUs).sort()).toEqual(['load generator', 'self']);
    expect(cpuUs['load generator']).toBeGreaterThan(30_000);
  });
});
