/**
 * On-CPU profiles of a bench child, by Linux perf (Debian's `linux-perf`).
 *
 * V8's own sampler (`--cpu-prof`, the inspector) samples on a wall-clock timer: on two shared cores, a server
 * descheduled while the load generator or the emulator runs charges that time to whatever frame it stopped in
 * (it once blamed a 6 µs SQLite read for 40 µs a request). perf's `cpu-clock` event ticks only while a thread
 * of the process is on a CPU, so each sample is CPU time, whatever else the machine is doing; it sees every
 * thread (V8's background GC and compiler included) and native code down to the kernel.
 *
 * The child must run with `--perf-basic-prof` (perfNodeFlags), so that V8 writes `/tmp/perf-<pid>.map` naming
 * its JIT code; perf reads that file to name JavaScript frames. Call chains come from frame pointers, which V8 keeps in
 * JavaScript frames and builtins.
 */
import { execFile, spawn } from 'node:child_process';
import { open, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { CodeFrame, SelfTime } from './cpu-profile.ts';

/**
 * The flags a child needs for perf to name its JavaScript frames. `--perf-basic-prof` also turns on V8's own
 * log, which would land in the child's working directory (the repository): it goes to `logDir` instead.
 */
export function perfNodeFlags(logDir: string): string[] {
  return ['--perf-basic-prof', '--no-logfile-per-isolate', `--logfile=${join(logDir, 'v8.log')}`];
}

/** Samples per second of CPU time: 1999 rather than 2000, so that sampling does not beat with periodic work. */
const SAMPLES_PER_SECOND = 1999;

/**
 * `perf script -F comm,tid,ip,sym,dso` of a recording with call chains: per sample, a line `<comm> <tid>`, then
 * one line per frame, leaf first, `<ip> <symbol> (<dso>)`; the symbol may hold spaces and parentheses
 * (`JS:*f file:///a.js:1:2`, `v8::internal::Heap::Scavenge()`). perf prints no symbol unless the address is
 * asked for too.
 */
const SAMPLE_HEADER = /^(\S.*?)\s+(\d+)\s*$/;
const CHAIN_FRAME = /^\s+([0-9a-f]+)\s+(.*?)\s+\(([^()]*)\)\s*$/;

/** V8's names of JavaScript code in a perf map: `JS:*name url:line:column` (`*` optimized, `~` not yet). */
const JS_CODE = /^(?:JS|LazyCompile|Function|Script):[*~^+]?(.*?)(?: (\S+):(\d+):(\d+))?$/;

/** What native code in the node binary is, from its symbol. */
const NODE_BINARY_GROUPS: Array<[string, RegExp]> = [
  [
    'V8 garbage collector',
    /^(v8::internal::(Heap|Scaveng|(Minor)?MarkCompact|Sweeper|ConcurrentMarking|IncrementalMarking|\w*MarkingVisitor|\w*Evacuat|RememberedSet|SlotSet|PagedSpace|NewSpace|SemiSpace|MemoryAllocator|MemoryChunk|LargeObjectSpace|GlobalHandles|\w*Marking\w*|\w*Sweep\w*|\w*Scaveng\w*|\w*GC\w*|ArrayBufferSweeper|LocalAllocator|EphemeronHashTable)|cppgc::)/,
  ],
  [
    'V8 JIT compiler',
    /(^|<)v8::internal::(compiler|maglev|baseline|turboshaft|interpreter|Parser|PreParser|Scanner|Compiler|OptimizingCompileDispatcher|BytecodeGenerator|Zone|AstNodeFactory|Ast)\b/,
  ],
  [
    'OpenSSL',
    /^(aesni_|aes_|_?gcm_|sha\d+_|SHA\d+|EVP_|HMAC|ossl_|OPENSSL_|CRYPTO_|BN_|bn_|RAND_|ChaCha|Poly1305|ecp_nistz|EC_)/,
  ],
  ['libuv', /^uv_{1,2}/],
  ['V8 runtime and builtins', /^(Builtins_|v8::|Runtime_)/],
  ['Node C++', /^(node::|napi_)/],
];

/** A perf sample's frame in the shape of V8's profiles, with native code put in a group. */
export function frameOfPerfSymbol(symbol: string, dso: string): CodeFrame {
  const file = basename(dso);
  if (/^perf-\d+\.map$/.test(file)) {
    const js = JS_CODE.exec(symbol);
    if (js) {
      const [, name = '', url = '', line, column] = js;
      return {
        functionName: name,
        url,
        lineNumber: line ? Number(line) - 1 : -1,
        ...(column ? { columnNumber: Number(column) - 1 } : {}),
      };
    }
    // Builtins copied to the heap, bytecode handlers, regular expressions, stubs: V8's own code.
    return { functionName: symbol, url: '', lineNumber: -1, group: 'V8 runtime and builtins' };
  }
  const native = (group: string): CodeFrame => ({
    functionName: withoutParameters(symbol).slice(0, 120),
    url: '',
    lineNumber: -1,
    group,
  });
  if (dso === '[kernel.kallsyms]' || dso.startsWith('[kernel')) return native('kernel');
  if (file.includes('better_sqlite3')) return native('SQLite (native)');
  if (/^(libc|libm|libpthread|ld-linux)/.test(file)) return native('libc');
  if (file === 'node' || file.startsWith('node')) {
    const group = NODE_BINARY_GROUPS.find(([, pattern]) => pattern.test(symbol))?.[0];
    return native(group ?? 'node (other native code)');
  }
  if (dso === '[unknown]') return native('code perf could not name');
  return native(file);
}

/** A C++ symbol's trailing parameter list adds length, not meaning: `f(int) const` is `f`. */
function withoutParameters(symbol: string): string {
  const end = symbol.replace(/\s+const$/, '');
  if (!end.endsWith(')')) return symbol;
  let depth = 0;
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] === ')') depth++;
    else if (end[i] === '(' && --depth === 0) return end.slice(0, i);
  }
  return symbol;
}

/**
 * Native code that runs on behalf of the JavaScript calling it: V8's inline caches, builtins and runtime
 * functions, Node's C++ bindings, libc. A sample there is charged to the nearest JavaScript frame of its call
 * chain (as V8's own profiler does), so that `findSessionNow` owns the property loads it makes. What a reader
 * reasons about on its own (the kernel, SQLite, OpenSSL, the garbage collector and the JIT compiler) stays.
 */
const GLUE = new Set([
  'V8 runtime and builtins',
  'Node C++',
  'libc',
  'node (other native code)',
  'code perf could not name',
]);

/**
 * The frame a sample's CPU time is charged to, from its call chain (leaf first), and for native code kept as its
 * own, the JavaScript function that called into it.
 */
export function chargedFrame(
  chain: ReadonlyArray<{ symbol: string; dso: string }>,
): { frame: CodeFrame; caller?: CodeFrame } | undefined {
  const frames = chain.map(({ symbol, dso }) => frameOfPerfSymbol(symbol, dso));
  const leaf = frames[0];
  if (!leaf) return undefined;
  const js = frames.find((frame) => frame.url !== '');
  if (leaf.group === undefined) return { frame: leaf };
  if (GLUE.has(leaf.group)) return { frame: js ?? leaf };
  return js ? { frame: leaf, caller: js } : { frame: leaf };
}

/** The self times in `perf script -F comm,tid,ip,sym,dso` output: every sample is 1 / SAMPLES_PER_SECOND s. */
export function parsePerfScript(text: string, usPerSample = 1e6 / SAMPLES_PER_SECOND): SelfTime[] {
  const byKey = new Map<string, SelfTime>();
  let chain: Array<{ symbol: string; dso: string }> | undefined;
  const flush = () => {
    const charged = chain && chargedFrame(chain);
    chain = undefined;
    if (!charged) return;
    const key = JSON.stringify(charged);
    const known = byKey.get(key);
    if (known) known.us += usPerSample;
    else byKey.set(key, { ...charged, us: usPerSample });
  };
  for (const line of text.split('\n')) {
    const frame = CHAIN_FRAME.exec(line);
    if (frame && chain) {
      chain.push({ symbol: frame[2] ?? '', dso: frame[3] ?? '' });
    } else if (SAMPLE_HEADER.test(line)) {
      flush();
      chain = [];
    }
  }
  flush();
  return [...byKey.values()];
}

/** Why perf cannot profile here, or undefined when it can. */
export async function perfUnavailable(): Promise<string | undefined> {
  try {
    await promisify(execFile)('perf', ['--version']);
  } catch {
    return 'perf is not installed (Debian: apt-get install linux-perf)';
  }
  // Above 1, only root may sample the kernel side of another process, and the kernel's share is needed.
  const paranoid = Number((await readFile('/proc/sys/kernel/perf_event_paranoid', 'utf8')).trim());
  if (paranoid > 1 && process.getuid?.() !== 0)
    return `kernel.perf_event_paranoid is ${paranoid}: run as root or set it to 1 (sysctl kernel.perf_event_paranoid=1)`;
  return undefined;
}

/**
 * Records the on-CPU samples of process `pid` (every thread) while `work` runs, and returns their self times.
 * The process must have been started with perfNodeFlags; `dir` holds perf's files for the recording.
 *
 * perf starts with its events off and turns them on when told through a control FIFO, answering on another
 * once they are on: only then does the work start. (perf takes from tens of milliseconds to a second to attach;
 * a fixed wait would sometimes record nothing.) Time the process spends off a CPU produces no samples, so the
 * recording needs no window.
 */
export async function recordOnCpu(pid: number, dir: string, work: () => Promise<void>): Promise<SelfTime[]> {
  const file = join(dir, `perf-${pid}.data`);
  const control = join(dir, `perf-${pid}.control`);
  const ack = join(dir, `perf-${pid}.ack`);
  await promisify(execFile)('mkfifo', [control, ack]);
  // Read and write ends at once (O_RDWR), so that opening a FIFO never waits for the other side.
  const controlFd = await open(control, 'r+');
  const ackFd = await open(ack, 'r+');
  const perf = spawn(
    'perf',
    [
      ...['record', '-e', 'cpu-clock', '-F', String(SAMPLES_PER_SECOND), '-g', '-p', String(pid)],
      ...['-o', file, '-q', '--delay=-1', `--control=fifo:${control},${ack}`],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  perf.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  // perf ends on SIGINT by writing its file and raising SIGINT again: that exit is the normal one.
  const exited = new Promise<string>((resolve) => {
    perf.once('error', (err) => resolve(err.message));
    perf.once('exit', (code, signal) =>
      resolve(code === 0 || signal === 'SIGINT' ? 'ok' : `${signal ?? code}`),
    );
  });
  const failed = (what: string) => new Error(`bench: perf record ${what}: ${stderr.trim() || 'no output'}`);
  let outcome: string;
  try {
    await controlFd.write('enable\n');
    const answer = ackFd
      .read(Buffer.alloc(16), 0, 16, null)
      .then(({ buffer, bytesRead }) => buffer.subarray(0, bytesRead).toString());
    const started = await Promise.race([
      answer,
      exited.then((how) => `exited (${how})`),
      sleep(10_000).then(() => 'no answer within 10 s'),
    ]);
    if (!started.startsWith('ack')) {
      await ackFd.write('x'); // ends the read still waiting in the thread pool
      throw failed(`did not start: ${started}`);
    }
    await work();
  } finally {
    perf.kill('SIGINT');
    outcome = await exited;
    await controlFd.close();
    await ackFd.close();
    await rm(control, { force: true });
    await rm(ack, { force: true });
  }
  if (outcome !== 'ok') throw failed(`exited with ${outcome}`);
  try {
    const { stdout } = await promisify(execFile)(
      'perf',
      ['script', '-i', file, '-F', 'comm,tid,ip,sym,dso'],
      {
        maxBuffer: 512 * 1024 * 1024,
      },
    );
    const times = parsePerfScript(stdout);
    if (times.length === 0) throw failed('recorded no samples of the process');
    return times;
  } finally {
    await rm(file, { force: true });
    await rm(`/tmp/perf-${pid}.map`, { force: true });
  }
}
