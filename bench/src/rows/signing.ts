import { createHmac } from 'node:crypto';
import { signBody } from '@tini-starter/tiki-platform/sign';
import { verifySignature } from '@tini-starter/tiki-platform/verify';
import { profileWhile, renderDiagnosis, selfTimesOf } from '../cpu-profile.ts';
import { measureOpsPerSecond } from '../ops-per-second.ts';
import { formatCount, meetsTarget, type RowResult } from '../row.ts';
import { runSideBySide, summarizeRatio } from '../side-by-side.ts';

const CLIENT_ID = 'RLCKb7Ae9kx4DXtXsCWjnDXtggFnM43W';
const CLIENT_SECRET = 'EhjGcsUUuRSJTHiYPbW5fxzyaKEx0JuAZIKRQ4HnIfNFidB2kMg6locQbTIEz3Vf';

/** A JSON body of exactly `bytes` UTF-8 bytes, with some non-ASCII text as real Vietnamese bodies have. */
export function makeJsonBody(bytes: number): string {
  const head = '{"order_id":88062110977884170,"note":"Giao hàng nhanh","pad":"';
  const tail = '"}';
  const fixed = Buffer.byteLength(head) + Buffer.byteLength(tail);
  if (bytes < fixed) throw new RangeError(`bench: a body needs at least ${fixed} bytes`);
  return `${head}${'x'.repeat(bytes - fixed)}${tail}`;
}

/**
 * The baseline: the least a correct signer must do, written directly against node:crypto. Builds the same
 * `timestamp.clientId.body` payload, base64url-encodes it and takes the hex HMAC-SHA256.
 */
export function bareHmacSign(timestamp: string, body: string): string {
  const encoded = Buffer.from(`${timestamp}.${CLIENT_ID}.${body}`, 'utf8').toString('base64url');
  return createHmac('sha256', CLIENT_SECRET).update(encoded).digest('hex');
}

export interface Diagnosis {
  what: string;
  text: string;
}

export async function measureSigningRows(o: {
  rounds: number;
  sampleMs: number;
}): Promise<{ rows: RowResult[]; diagnoses: Diagnosis[] }> {
  const body = makeJsonBody(1024);
  const timestamp = String(Date.now());
  const credentials = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };
  const signature = signBody({ ...credentials, timestamp, body });
  if (signature !== bareHmacSign(timestamp, body)) {
    throw new Error('bench: signBody and the bare HMAC disagree; the comparison would be meaningless');
  }
  const now = Number(timestamp);
  // Inputs are built once, as the baseline's are: the loop measures the library, not the bench's object spreads.
  const signInput = { ...credentials, timestamp, body };
  const verifyInput = { ...credentials, timestamp, signature, content: body, now };
  const sign = () => signBody(signInput);
  const verify = () => {
    const verdict = verifySignature(verifyInput);
    if (!verdict.ok) throw new Error(`bench: verification failed (${verdict.reason})`);
    return verdict;
  };
  verify();

  const baseline = async () =>
    measureOpsPerSecond(() => bareHmacSign(timestamp, body), { durationMs: o.sampleMs });
  // Warm every path up before the first measured round, so round 0 does not pay the JIT.
  for (let i = 0; i < 3; i++) {
    await baseline();
    measureOpsPerSecond(sign, { durationMs: o.sampleMs });
    measureOpsPerSecond(verify, { durationMs: o.sampleMs });
  }

  const signing = await runSideBySide({
    rounds: o.rounds,
    baseline,
    subject: async () => measureOpsPerSecond(sign, { durationMs: o.sampleMs }),
  });
  const verifying = await runSideBySide({
    rounds: o.rounds,
    baseline,
    subject: async () => measureOpsPerSecond(verify, { durationMs: o.sampleMs }),
  });

  const against = 'bare `node:crypto` HMAC-SHA256 over the base64url of the same payload';
  const toRow = (what: string, value: number, runs: { baseline: number[]; subject: number[] }): RowResult => {
    const summary = summarizeRatio(runs.baseline, runs.subject);
    return {
      what,
      against,
      target: { comparison: 'at-least', value, unit: 'x' },
      measured: summary.ratio,
      subject: `${formatCount(summary.subject)} ops/s`,
      baseline: `${formatCount(summary.baseline)} ops/s`,
      rounds: o.rounds,
      spread: summary.ratios,
    };
  };
  const rows = [
    toRow('signing a 1 KB body (`signBody`, ops/s)', 0.9, signing),
    toRow('verifying it (`verifySignature`, ops/s)', 0.8, verifying),
  ];
  const operations = [sign, verify];
  const diagnoses: Diagnosis[] = [];
  for (const [index, row] of rows.entries()) {
    if (meetsTarget(row)) continue;
    const operation = operations[index] as () => object | string;
    // Profile the subject alone for a second: self time says what the gap to the bare HMAC is made of.
    const profile = await profileWhile(() => {
      measureOpsPerSecond(operation, { durationMs: 1000 });
    });
    diagnoses.push({
      what: row.what,
      text: `CPU profile (inspector, in the bench process) of 1 s of the subject alone.\n\n${renderDiagnosis(selfTimesOf(profile))}`,
    });
  }
  return { rows, diagnoses };
}
