/**
 * Request limits kept in the store, so that every server process sharing it counts together (a limit kept in
 * each process's memory lets N processes allow N times as much). A fixed window per key: the first hit after
 * a window ended starts the next one.
 */
export interface RateLimitHits {
  /** Hits in the key's current window, this one included. */
  hits: number;
  /** When that window ends (ms). */
  resetAt: number;
}

export interface RateLimitStore {
  /** Counts one hit for `key`; returns the hits in its current window and when that window ends. */
  hitRateLimit(key: string, windowMs: number, now: number): Promise<RateLimitHits>;
  /** Takes one hit back (a request the limit should not count after all, such as a successful login). */
  unhitRateLimit(key: string, now: number): Promise<void>;
  resetRateLimit(key: string): Promise<void>;
}
