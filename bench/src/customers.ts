import { KNOWN_TIKI_SCOPES } from '@tini-starter/tiki-platform/scopes';

/** Bench customers live above the emulator's seeded ones (1-5), so they never collide. */
export const BENCH_FIRST_CUSTOMER_ID = 100_000;
/** What every bench user consents to: the profile, and `offline` so that a refresh token is issued. */
export const BENCH_SCOPES: string[] = [...KNOWN_TIKI_SCOPES];
