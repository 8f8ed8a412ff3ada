import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

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
 * Where a stretch of CPU time was spent: a JavaScript function at a location, or a native frame (no url).
 * The same shape for V8's profiles and for perf's samples (perf-profile.ts), so both are summarized alike.
 */
export interface CodeFrame {
  functionName: string;
  /** '' for a native frame. */
  url: string;
  /** Zero-based, as V8 reports it; negative when unknown. */
  lineNumber: number;
  columnNumber?: number;
  /** A native frame's group (`kernel`, `V8 garbage collector`, `OpenSSL`), standing for its module. */
  group?: string;
}

/** CPU time spent with a frame on top of the stack (its self time), in microseconds. */
export interface SelfTime {
  frame: CodeFrame;
  us: number;
  /** For native code kept as its own (the kernel, SQLite): the JavaScript function that called into it. */
  caller?: CodeFrame;
}

/**
 * The self time of every frame in a V8 profile. A sample's duration is the gap to the next sample; V8 puts that
 * gap in the next delta.
 */
export function selfTimesOf(profile: CpuProfile): SelfTime[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const usById = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    usById.set(id, (usById.get(id) ?? 0) + Math.max(0, deltas[i + 1] ?? deltas[i] ?? 0));
  }
  return [...usById].flatMap(([id, us]) => {
    const node = byId.get(id);
    return node ? [{ frame: node.callFrame, us }] : [];
  });
}

/**
 * The same self times with each frame of a bundled file put back where its source is, through the bundle's
 * `.map` (esbuild writes it beside the bundle): the server runs as one `main.js`, but a reader needs
 * `apps/server/src/store/sqlite-store.ts:215`. Frames without a map are left as they are.
 */
export function atSource(times: readonly SelfTime[]): SelfTime[] {
  const maps = new Map<string, SourceMap | null>();
  const mapOf = (url: string): SourceMap | null => {
    let map = maps.get(url);
    if (map === undefined) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8')));
      } catch {
        map = null;
      }
      maps.set(url, map);
    }
    return map;
  };
  const mapped = (frame: CodeFrame): CodeFrame => {
    if (!/^file:.*\.m?js$/.test(frame.url) || frame.lineNumber < 0) return frame;
    const entry = mapOf(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber ?? 0);
    if (!entry || !('originalSource' in entry)) return frame;
    const url = new URL(entry.originalSource, frame.url).href;
    return { ...frame, url, lineNumber: entry.originalLine, columnNumber: entry.originalColumn };
  };
  return times.map(({ frame, us, caller }) => ({
    frame: mapped(frame),
    us,
    ...(caller ? { caller: mapped(caller) } : {}),
  }));
}

function sumBy(
  times: readonly SelfTime[],
  keyOf: (frame: CodeFrame, time: SelfTime) => string,
): SelfTimeFrame[] {
  const byKey = new Map<string, number>();
  let totalUs = 0;
  for (const time of times) {
    const { frame, us } = time;
    const key = keyOf(frame, time);
    byKey.set(key, (byKey.get(key) ?? 0) + us);
    totalUs += us;
  }
  return [...byKey.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([frame, us]) => ({ frame, selfMs: us / 1000, share: totalUs > 0 ? us / totalUs : 0 }));
}

/**
 * Self time per function, summed over every frame with the same name and location, largest first.
 * Self time is the time the sampler found that function on top of the stack.
 */
export function summarizeSelfTime(times: readonly SelfTime[], count = 12): SelfTimeFrame[] {
  return sumBy(times, describeFrame).slice(0, count);
}

function describeFrame({ functionName, url, lineNumber, group }: CodeFrame): string {
  // tsx-compiled files report line 0 for every function; a line is only shown when it means something.
  const line = lineNumber > 0 ? `:${lineNumber + 1}` : '';
  const where = url ? ` (${shortenUrl(url)}${line})` : group ? ` (${group})` : '';
  return `${functionName || '(anonymous)'}${where}`;
}

/**
 * The time of native code kept as its own (the kernel above all: system calls) per JavaScript function that
 * called into it: `kernel <- writevGeneric (node:internal/stream_base_commons:123)`. Shares are of that
 * native time. Empty for V8's profiles, which name no callers.
 */
export function summarizeNativeByCaller(times: readonly SelfTime[], count = 10): SelfTimeFrame[] {
  return sumBy(
    times.filter((t) => t.caller !== undefined && t.frame.group !== undefined),
    (frame, { caller }) => `${frame.group} <- ${caller ? describeFrame(caller) : ''}`,
  ).slice(0, count);
}

/** The module a frame belongs to: its package, repository file, Node internal area or native group. */
function moduleOf({ functionName, url, group }: CodeFrame): string {
  if (url === '') return group ?? (functionName || '(native)');
  const short = shortenUrl(url);
  if (short.startsWith('node:')) return short.split('/').slice(0, 2).join('/').replace(/:\d+$/, '');
  if (short.startsWith('apps/') || short.startsWith('packages/') || short.startsWith('bench/')) return short;
  const parts = short.split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? short);
}

/**
 * Self time per package (`pino`, `express`), per repository file (`apps/server/src/auth/sessions.ts`), per Node
 * internal area (`node:internal/http`) or per native frame or group (`writev`, `(garbage collector)`,
 * `kernel`): what the cost is made of, one level above functions.
 */
export function summarizeByModule(times: readonly SelfTime[], count = 12): SelfTimeFrame[] {
  return sumBy(times, moduleOf).slice(0, count);
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
  ['garbage collection', /^(\(garbage collector\)|V8 garbage collector)$/],
  ['JIT compilation (V8)', /^V8 JIT compiler$/],
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
    'Tiki HTTP client (undici, AbortSignal, tiki-platform)',
    /^(undici|node:_http_client|node:_http_agent|node:internal\/deps|node:internal\/webstreams|node:internal\/abort_controller|node:internal\/worker|wasm.*|packages\/tiki-platform\/.*)$/,
  ],
  ['SQLite (better-sqlite3, the store)', /^(better-sqlite3|SQLite \(native\)|apps\/server\/src\/store\/.*)$/],
  [
    'crypto (hashes, AES-GCM, randomness)',
    /^(node:internal\/crypto|update|digest|init|Hmac|Hash|Cipheriv|Decipheriv|randomFillSync|OpenSSL|apps\/server\/src\/(auth\/secrets|tiki\/token-cipher|tiki\/token-vault)\.ts)$/,
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
  ['kernel (system calls: sockets, files, scheduling)', /^kernel$/],
  ['Node and libc native code (libuv, bindings, malloc)', /^(libuv|Node C\+\+|libc)$/],
  ['the bench itself (in-process rows only)', /^bench\/.*/],
];

/** Self time grouped into the areas a reader reasons about: what the cost is made of. */
export function summarizeByArea(times: readonly SelfTime[]): SelfTimeFrame[] {
  return sumBy(times, (frame) => {
    const module = moduleOf(frame);
    return AREAS.find(([, pattern]) => pattern.test(module))?.[0] ?? 'other (Node internals, V8, program)';
  });
}

/** The Markdown of a diagnosis: idle share, self time per area, per module, then per function (idle left out). */
export function renderDiagnosis(times: readonly SelfTime[]): string {
  const all = summarizeByModule(times, 1000);
  const idle = all.find((f) => f.frame === '(idle)')?.share ?? 0;
  const busyModules = all.filter((f) => f.frame !== '(idle)').slice(0, 12);
  const functions = summarizeSelfTime(times, 60)
    .filter((f) => f.frame !== '(idle)')
    .slice(0, 15);
  const areas = summarizeByArea(times).filter((f) => f.frame !== 'idle (waiting for I/O)');
  const busyMs = areas.reduce((sum, a) => sum + a.selfMs, 0);
  const madeOf = areas
    .filter((a) => a.selfMs / busyMs >= 0.02)
    .map((a) => `${a.frame} ${((a.selfMs / busyMs) * 100).toFixed(0)}%`)
    .join(', ');
  const native = summarizeNativeByCaller(times);
  const byCaller = native.length
    ? [
        '',
        'The kernel, SQLite, OpenSSL and the garbage collector by the JavaScript function that called into them:',
        '',
        '```',
        renderSelfTime(native),
        '```',
      ]
    : [];
  return [
    `**What the busy CPU time is made of:** ${madeOf}.`,
    '',
    ...(idle > 0 ? [`Idle (waiting for I/O): ${(idle * 100).toFixed(1)}% of the window.`, ''] : []),
    'Self time by module:',
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
    ...byCaller,
  ].join('\n');
}
