/**
 * The cross-process half of "refresh exactly once": a lease on the user's token row, taken atomically in the
 * store, so that among every process sharing the store one refreshes a generation and the others wait for the
 * generation it writes. The policy (when to refresh, what a failure means) is token-keeper.ts's.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '@tini-starter/tiki-platform/clock';
import type { Logger } from 'pino';
import type { Store, StoredTikiTokens } from '../store/store.ts';
import { TikiAccessError } from './errors.ts';

/** How often a process waiting for another process's refresh looks at the store (real time). */
const LEASE_POLL_MS = 25;

export type LeaseOutcome =
  /** `owner` holds the lease over `tokens`: refresh them, then complete or release the lease. */
  | { kind: 'acquired'; tokens: StoredTikiTokens; owner: string }
  /** Someone already wrote a newer generation than the caller saw: use it, no refresh needed. */
  | { kind: 'advanced'; tokens: StoredTikiTokens }
  /** The user has no Tiki tokens any more. */
  | { kind: 'gone' };

export interface RefreshLeases {
  /** Waits until the lease over `seenGeneration` is ours, a newer generation exists, or the tokens are gone. */
  acquire(userId: string, seenGeneration: number, log: Logger): Promise<LeaseOutcome>;
}

export function createRefreshLeases(o: { store: Store; clock: Clock; leaseMs: number }): RefreshLeases {
  const { store, clock } = o;
  return {
    async acquire(userId, seenGeneration, log) {
      const owner = randomUUID();
      // Bounded in real time as well as by the lease: a manual clock in tests never expires a lease by itself.
      const maxPolls = Math.ceil((2 * o.leaseMs) / LEASE_POLL_MS);
      for (let poll = 0; ; poll++) {
        const lease = await store.acquireRefreshLease({
          userId,
          seenGeneration,
          owner,
          now: clock.now(),
          leaseMs: o.leaseMs,
        });
        if (lease.kind === 'acquired') return { ...lease, owner };
        if (lease.kind !== 'busy') return lease;
        if (poll === 0)
          log.debug({ userId }, 'waiting for another instance to finish refreshing the tiki token');
        if (poll >= maxPolls) {
          throw new TikiAccessError(
            'refresh_still_running',
            'Another instance is still refreshing the Tiki token',
          );
        }
        await new Promise((resolve) => setTimeout(resolve, LEASE_POLL_MS));
      }
    },
  };
}
