import { Session } from 'node:inspector/promises';

/** The parts of a V8 CPU profile (`.cpuprofile`, inspector `Profiler.stop`) that self time needs. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }>;
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTimeFrame {
  /** `functionName (file:line)`, with paths shortened to the package they belong to. */
  frame: string;
  selfMs: number;
  share: number;
}

/** Shortens a file URL to what a reader needs: `express/lib/router.js` or `apps/server/src/app.ts`. */
export function shortenUrl(url: string): string {
  if (url === '') return '';
  // tsx loads files outside a package as data: URLs that carry the whole source; keep only the file name.
  const dataFile = /^data:text\/javascript,__filename%3D%22([^%]*(?:%2F[^%]*)*)%22/.exec(url)?.[1];
  const path = dataFile ? decodeURIComponent(dataFile) : url.replace(/^file:\/\//, '');
  const inModules = path.lastIndexOf('/node_modules/');
  if (inModules >= 0)
    return path.slice(inModules + '/node_modules/'.length).replace(/^\.pnpm\/[^/]+\/node_modules\//, '');
  const inRepo = path.search(/\/(apps|packages|bench)\//);
  return inRepo >= 0 ? path.slice(inRepo + 1) : path;
}

/**
 * A stretch of the profile, in the profile's own clock: microseconds of CLOCK_MONOTONIC, the clock of
 * `process.hrtime` in any process of this machine, so a bench can cut out the child's start-up.
 */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/** `process.hrtime` in microseconds: comparable with the timestamps of any profile taken on this machine. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

type Keyer = (frame: CpuProfile['nodes'][number]['callFrame']) => string;

function sumSelfTime(
  profile: CpuProfile,
  keyOf: Keyer,
  window?: ProfileWindow,
): { byKey: Map<string, number>; totalUs: number } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const byKey = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let totalUs = 0;
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    const node = byId.get(samples[i] as number);
    // A sample's duration is the gap to the next sample; V8 puts that gap in the next delta.
    const us = Math.max(0, deltas[i + 1] ?? deltas[i] ?? 0);
    if (!node) continue;
    const key = keyOf(node.callFrame);
    byKey.set(key, (byKey.get(key) ?? 0) + us);
    totalUs += us;
  }
  return { byKey, totalUs };
}

function top(sum: { byKey: Map<string, number>; totalUs: number }, count: number): SelfTimeFrame[] {
  return [...sum.byKey.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, us]) => ({ frame, selfMs: us / 1000, share: sum.totalUs > 0 ? us / sum.totalUs : 0 }));
}

/**
 * Self time per function, summed over every node of the profile with the same name and location, largest first.
 * Self time is the time the sampler found that function on top of the stack.
 */
export function summarizeSelfTime(profile: CpuProfile, count = 12, window?: ProfileWindow): SelfTimeFrame[] {
  return top(
    sumSelfTime(
      profile,
      ({ functionName, url, lineNumber }) => {
        // tsx-compiled files report line 0 for every function; a line is only shown when it means something.
        const line = lineNumber > 0 ? `:${lineNumber + 1}` : '';
        const where = url ? ` (${shortenUrl(url)}${line})` : '';
        return `${functionName || '(anonymous)'}${where}`;
      },
      window,
    ),
    count,
  );
}

/**
 * Self time per package (`pino`, `express`), per repository file (`apps/server/src/sessions.ts`), per Node
 * internal area (`node:internal/http`) or per native frame (`writev`, `(garbage collector)`, `(idle)`): what
 * the cost is made of, one level above functions.
 */
export function summarizeByModule(profile: CpuProfile, count = 12, window?: ProfileWindow): SelfTimeFrame[] {
  return top(
    sumSelfTime(
      profile,
      ({ functionName, url }) => {
        if (url === '') return functionName || '(native)';
        const short = shortenUrl(url);
        if (short.startsWith('node:')) return short.split('/').slice(0, 2).join('/').replace(/:\d+$/, '');
        if (short.startsWith('apps/') || short.startsWith('packages/') || short.startsWith('bench/'))
          return short;
        const parts = short.split('/');
        return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? short);
      },
      window,
    ),
    count,
  );
}

export function renderSelfTime(frames: readonly SelfTimeFrame[]): string {
  return frames
    .map(
      (f) => `${(f.share * 100).toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(6)} ms  ${f.frame}`,
    )
    .join('\n');
}

export interface RunningProfile {
  stop(): Promise<CpuProfile>;
}

/** Starts profiling this very process through the inspector (no restart, no flag); `stop` returns the profile. */
export async function startProfiling(samplingIntervalUs = 200): Promise<RunningProfile> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
  await session.post('Profiler.start');
  return {
    async stop() {
      try {
        const { profile } = await session.post('Profiler.stop');
        return profile as CpuProfile;
      } finally {
        session.disconnect();
      }
    },
  };
}

/** Profiles this process while `work` runs. */
export async function profileWhile(work: () => Promise<void> | void): Promise<CpuProfile> {
  const running = await startProfiling();
  try {
    await work();
  } catch (error) {
    await running.stop();
    throw error;
  }
  return running.stop();
}

const AREAS: Array<[string, RegExp]> = [
  ['idle (waiting for I/O)', /^\(idle\)$/],
  ['garbage collection', /^\(garbage collector\)$/],
  [
    'logging (pino, pino-http, redaction)',
    /^(pino|pino-http|pino-std-serializers|@pinojs\/redact|fast-redact|sonic-boom|apps\/server\/src\/(logger|http\/request-logging)\.ts)$/,
  ],
  [
    'tiki-platform signing code (argument checks, payload, timestamp)',
    /^packages\/tiki-platform\/src\/(signature|payload|verify|timestamp|guards)\.ts$/,
  ],
  ['UTF-8 encoding (TextEncoder)', /^(node:internal\/encoding|encodeUtf8String|encodeInto)$/],
  [
    'Buffer conversions (Buffer.from, base64url)',
    /^(base64urlSlice|base64Slice|node:buffer|utf8Write|latin1Write)$/,
  ],
  [
    'Tiki HTTP client (node:http client and agent, AbortSignal, tiki-platform)',
    /^(node:_http_client|node:_http_agent|node:internal\/deps|node:internal\/webstreams|node:internal\/abort_controller|node:internal\/worker|wasm.*|packages\/tiki-platform\/.*)$/,
  ],
  ['SQLite (better-sqlite3, the store)', /^(better-sqlite3|apps\/server\/src\/store\/.*)$/],
  [
    'crypto (hashes, AES-GCM, randomness)',
    /^(node:internal\/crypto|update|digest|init|Hmac|Hash|Cipheriv|Decipheriv|randomFillSync|apps\/server\/src\/(token-cipher|token-vault|session-token)\.ts)$/,
  ],
  ['validation (zod)', /^(zod|@zod\/.*)$/],
  [
    'Express, middleware and routes',
    /^(express|router|helmet|express-rate-limit|body-parser|raw-body|finalhandler|send|parseurl|content-type|type-is|on-finished|qs|path-to-regexp|apps\/server\/src\/.*)$/,
  ],
  [
    'Node HTTP server and sockets',
    /^(node:_http_.*|node:http|node:net|node:internal\/(streams|http|stream_base_commons|timers|url)|node:events|writev|writeLatin1String|writeUtf8String|writeBuffer)$/,
  ],
  ['the bench itself (in-process rows only)', /^bench\/.*/],
];

/** Self time grouped into the areas a reader reasons about: what the cost is made of. */
export function summarizeByArea(profile: CpuProfile, window?: ProfileWindow): SelfTimeFrame[] {
  const modules = summarizeByModule(profile, Number.MAX_SAFE_INTEGER, window);
  const total = modules.reduce((sum, m) => sum + m.selfMs, 0);
  const byArea = new Map<string, number>();
  for (const m of modules) {
    const area =
      AREAS.find(([, pattern]) => pattern.test(m.frame))?.[0] ?? 'other (Node internals, V8, program)';
    byArea.set(area, (byArea.get(area) ?? 0) + m.selfMs);
  }
  return [...byArea.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([frame, ms]) => ({ frame, selfMs: ms, share: total > 0 ? ms / total : 0 }));
}

/** The Markdown of a diagnosis: idle share, self time per module, then per function (idle left out). */
export function renderDiagnosis(profile: CpuProfile, window?: ProfileWindow): string {
  const all = summarizeByModule(profile, 1000, window);
  const idle = all.find((f) => f.frame === '(idle)')?.share ?? 0;
  const busyModules = all.filter((f) => f.frame !== '(idle)').slice(0, 12);
  const functions = summarizeSelfTime(profile, 60, window)
    .filter((f) => f.frame !== '(idle)')
    .slice(0, 15);
  const areas = summarizeByArea(profile, window).filter((f) => f.frame !== 'idle (waiting for I/O)');
  const busyMs = areas.reduce((sum, a) => sum + a.selfMs, 0);
  const madeOf = areas
    .filter((a) => a.selfMs / busyMs >= 0.02)
    .map((a) => `${a.frame} ${((a.selfMs / busyMs) * 100).toFixed(0)}%`)
    .join(', ');
  return [
    `**What the busy CPU time is made of:** ${madeOf}.`,
    '',
    `Idle (waiting for I/O): ${(idle * 100).toFixed(1)}% of the window. Self time by module:`,
    '',
    '```',
    renderSelfTime(busyModules),
    '```',
    '',
    'By function:',
    '',
    '```',
    renderSelfTime(functions),
    '```',
  ].join('\n');
}
