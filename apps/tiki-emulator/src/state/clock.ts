import { type Clock, type ManualClock, systemClock } from '@tini-starter/tiki-platform/clock';

/**
 * A clock that follows another (system time by default) plus an offset that can be moved: the development
 * emulator's clock. `advance` moves it forward, `set` jumps to an instant, and time keeps flowing afterwards.
 */
export interface OffsetClock extends ManualClock {
  offsetMs(): number;
}

export function createOffsetClock(base: Clock = systemClock): OffsetClock {
  let offset = 0;
  return {
    now: () => base.now() + offset,
    advance: (ms) => {
      offset += ms;
    },
    set: (epochMs) => {
      offset = epochMs - base.now();
    },
    offsetMs: () => offset,
  };
}

/** A clock the emulator may move from its HTTP controls (a manual or offset clock). */
export function isAdjustableClock(clock: Clock): clock is ManualClock {
  const candidate = clock as Partial<ManualClock>;
  return typeof candidate.advance === 'function' && typeof candidate.set === 'function';
}
