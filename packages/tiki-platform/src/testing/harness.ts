import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, expect } from 'vitest';
import { createTikiClient, type TikiClient, type TikiClientOptions } from '../client/client.ts';
import { createManualClock, type ManualClock } from '../client/clock.ts';
import { type FakeTiki, startFakeTiki } from './fake-tiki.ts';

export const CLIENT_ID = 'starter-test-client';
export const CLIENT_SECRET = 'starter-test-secret-0123456789abcdef';
export const AUTH_CODE = 'CDKJfdkj4528KJ.eCZa27znIuM8JGC-IUSM-S_G_YrgP7OH8BTGdba706E';
export const START_MS = 1_764_000_000_000;

export interface Harness {
  tiki: FakeTiki;
  clock: ManualClock;
  client(overrides?: Partial<TikiClientOptions>): TikiClient;
}

/** A fresh fake Tiki on an ephemeral port per test, sharing one manual clock with the client. */
export function useFakeTiki(): Harness {
  const harness = {} as Harness;
  beforeEach(async () => {
    harness.clock = createManualClock(START_MS);
    harness.tiki = await startFakeTiki({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      clock: harness.clock,
    });
    harness.client = (overrides = {}) =>
      createTikiClient({
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        ...harness.tiki.baseUrls,
        transport: 'rest',
        clock: harness.clock,
        timeoutMs: 10_000,
        retryBaseDelayMs: 1,
        ...overrides,
      });
  });
  afterEach(async () => {
    await harness.tiki.close();
  });
  return harness;
}

/** A port that refuses connections: bound once, then released. */
export async function deadOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Awaits the rejection and checks that nothing secret leaked into the error's message. */
export async function rejection(promise: Promise<unknown>, secrets: readonly string[] = []): Promise<Error> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as Error,
  );
  for (const secret of [CLIENT_SECRET, AUTH_CODE, ...secrets]) expect(error.message).not.toContain(secret);
  return error;
}
