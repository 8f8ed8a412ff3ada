/**
 * A short per-user cache of the Open API profile, in this process: a user's burst of requests (reloads,
 * several screens, a retrying client) costs one Tiki call, and concurrent requests share the call in flight.
 * Failures are not kept. Bounded: past `maxEntries` users, the oldest entry is dropped.
 */
import type { TikiCustomerProfile } from '@tini-starter/tiki-platform/client';
import type { Clock } from '@tini-starter/tiki-platform/clock';

export interface ProfileCache {
  /** The user's profile from the cache while fresh, else from `load` (shared by concurrent callers). */
  get(userId: string, load: () => Promise<TikiCustomerProfile>): Promise<TikiCustomerProfile>;
}

export function createProfileCache(o: { ttlMs: number; clock: Clock; maxEntries?: number }): ProfileCache {
  const maxEntries = o.maxEntries ?? 10_000;
  const entries = new Map<string, { expiresAt: number; profile: Promise<TikiCustomerProfile> }>();
  return {
    get(userId, load) {
      if (o.ttlMs === 0) return load();
      const now = o.clock.now();
      const hit = entries.get(userId);
      if (hit !== undefined && hit.expiresAt > now) return hit.profile;
      const profile = load();
      entries.delete(userId); // re-inserted last: Map order is the eviction order
      entries.set(userId, { expiresAt: now + o.ttlMs, profile });
      profile.catch(() => {
        if (entries.get(userId)?.profile === profile) entries.delete(userId);
      });
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      return profile;
    },
  };
}
