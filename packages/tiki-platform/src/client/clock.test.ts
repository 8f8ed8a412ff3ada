import { describe, expect, it } from 'vitest';
import { createManualClock, systemClock } from './clock.ts';

describe('clocks', () => {
  it('the manual clock stays where it is put and moves only when told', () => {
    const clock = createManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_250);
    clock.set(5);
    expect(clock.now()).toBe(5);
  });

  it('the manual clock starts at the system time by default, and the system clock reads it', () => {
    const before = Date.now();
    const manual = createManualClock();
    const system = systemClock.now();
    expect(manual.now()).toBeGreaterThanOrEqual(before);
    expect(system).toBeGreaterThanOrEqual(before);
  });
});
