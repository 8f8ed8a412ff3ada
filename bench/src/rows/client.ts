/**
 * The Tiki client alone: CPU per call of this project's client (`getCustomerProfile`, the whole of it: the
 * transport, the Open API envelope, zod, the read retry wrapper) against a bare undici `Pool.request` of the
 * same route reading the same body, both in the bench process against the emulator with 50 calls in flight.
 * CPU of this process only (`process.cpuUsage`), so the emulator's share is not in it; lower is better.
 */

import { createTikiClient } from '@tini-starter/tiki-platform/client';
import { DEV_CLIENT_ID, DEV_CLIENT_SECRET } from '@tini-starter/tiki-platform/dev';
import { TIKI_PATHS } from '@tini-starter/tiki-platform/schemas';
import { Pool } from 'undici';
import type { Child } from '../child.ts';
import { formatCount, type RowResult } from '../row.ts';
import { runSideBySide, summarizeRatio } from '../side-by-side.ts';
import { cycle } from '../users.ts';

const IN_FLIGHT = 50;

/** Microseconds of this process's CPU per call, over `calls` calls kept `IN_FLIGHT` at a time. */
async function cpuPerCall(calls: number, call: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < calls) await call();
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

export async function measureClientRow(o: {
  emulator: Child;
  rounds: number;
  callsPerRun: number;
  tikiTokens: string[];
}): Promise<RowResult> {
  const tiki = createTikiClient({
    clientId: DEV_CLIENT_ID,
    clientSecret: DEV_CLIENT_SECRET,
    restBaseUrl: `${o.emulator.origin}/tiniapp-open-api`,
    graphqlUrl: `${o.emulator.origin}/tiniapp/api/graphql/query`,
    openApiBaseUrl: o.emulator.origin,
    transport: 'rest',
    timeoutMs: 10_000,
  });
  const pool = new Pool(o.emulator.origin, { connections: 128 });
  const tokens = cycle(o.tikiTokens);
  const ours = () => cpuPerCall(o.callsPerRun, () => tiki.getCustomerProfile(tokens()));
  const bare = () =>
    cpuPerCall(o.callsPerRun, async () => {
      const answer = await pool.request({
        path: TIKI_PATHS.profile,
        method: 'GET',
        headers: { authorization: `Bearer ${tokens()}`, accept: 'application/json' },
      });
      if (answer.statusCode !== 200) throw new Error(`bench: the bare profile call got ${answer.statusCode}`);
      return JSON.parse(await answer.body.text());
    });
  try {
    await ours();
    await bare();
    const runs = await runSideBySide({ rounds: o.rounds, baseline: bare, subject: ours });
    const summary = summarizeRatio(runs.baseline, runs.subject);
    return {
      what: 'the Tiki client alone: `getCustomerProfile`, client CPU per call (50 in flight)',
      against: 'a bare undici `Pool.request` of the same route, body read and parsed',
      target: { comparison: 'at-most', value: 1.5, unit: 'x' },
      measured: summary.ratio,
      subject: `${formatCount(summary.subject, 1)} µs/call`,
      baseline: `${formatCount(summary.baseline, 1)} µs/call`,
      rounds: o.rounds,
      spread: summary.ratios,
    };
  } finally {
    await pool.close();
  }
}
