import { describe, expect, it } from 'vitest';
import { summarizeByArea, summarizeNativeByCaller } from './cpu-profile.ts';
import { frameOfPerfSymbol, parsePerfScript } from './perf-profile.ts';

/** `perf script -F comm,tid,ip,sym,dso` of a recording with call chains, as perf 6.1 prints it. */
const SCRIPT = `node  5137 
	    7f6a38005ed3 JS:*hot [eval]:1:13 (/tmp/perf-5137.map)
	         14ce0dc Builtins_JSEntryTrampoline (/usr/bin/node)

node  5137 
	         14d2a40 Builtins_LoadIC (/usr/bin/node)
	    7f6a38006100 JS:*findSessionNow file:///w/apps/server/.bench-build/b/main.js:10:5 (/tmp/perf-5137.map)
	    7f6a38005ed3 JS:*hot [eval]:1:13 (/tmp/perf-5137.map)

node  5137 
	ffffffff8225f759 pvm_irq_enable ([kernel.kallsyms])
	ffffffff8225a0d5 do_syscall_64 ([kernel.kallsyms])
	           f838f __GI___libc_write (/usr/lib/x86_64-linux-gnu/libc.so.6)
	         8c3083 node::fs::WriteString (/usr/bin/node)
	    7f6a380079e3 JS:*writeSync node:fs:898:19 (/tmp/perf-5137.map)

node  5140 
	          e1f2a0 v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>(v8::internal::FullHeapObjectSlot, v8::internal::HeapObject) (/usr/bin/node)

node  5137 
	          1a2b3c __memmove_avx512_unaligned_erms (/usr/lib/x86_64-linux-gnu/libc.so.6)

node  5137 
	           4d5e6 sqlite3VdbeExec (/w/node_modules/better-sqlite3/build/Release/better_sqlite3.node)
	    7f6a38006100 JS:*findSessionNow file:///w/apps/server/.bench-build/b/main.js:10:5 (/tmp/perf-5137.map)

node  5137 
	          c494db v8::internal::(anonymous namespace)::Invoke(v8::internal::Isolate*, v8::internal::(anonymous namespace)::InvokeParams const&) (/usr/bin/node)
`;

describe('parsePerfScript', () => {
  const times = parsePerfScript(SCRIPT, 500);
  const charged = (name: string) =>
    times.filter((t) => t.frame.functionName === name).reduce((sum, t) => sum + t.us, 0);

  it('charges a sample in V8 or Node glue to the nearest JavaScript frame of its chain', () => {
    // The LoadIC sample is findSessionNow's, its nearest JavaScript frame, not hot's further up.
    expect(charged('findSessionNow')).toBe(500);
    expect(charged('hot')).toBe(500);
    const frame = times.find((t) => t.frame.functionName === 'findSessionNow')?.frame;
    expect(frame).toMatchObject({ url: 'file:///w/apps/server/.bench-build/b/main.js', lineNumber: 9 });
  });

  it('keeps the kernel, the garbage collector, SQLite and glue with no JavaScript caller as their own', () => {
    expect(times.map((t) => [t.frame.functionName, t.frame.group, t.us])).toEqual(
      expect.arrayContaining([
        ['pvm_irq_enable', 'kernel', 500],
        [
          'v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>',
          'V8 garbage collector',
          500,
        ],
        ['__memmove_avx512_unaligned_erms', 'libc', 500],
        ['sqlite3VdbeExec', 'SQLite (native)', 500],
        ['v8::internal::(anonymous namespace)::Invoke', 'V8 runtime and builtins', 500],
      ]),
    );
    expect(times.reduce((sum, t) => sum + t.us, 0)).toBe(7 * 500);
  });

  it('names the JavaScript function that called into the kernel or SQLite', () => {
    expect(summarizeNativeByCaller(times).map((f) => [f.frame, f.selfMs * 1000])).toEqual([
      ['kernel <- writeSync (node:fs:898)', 500],
      ['SQLite (native) <- findSessionNow (apps/server/.bench-build/b/main.js:10)', 500],
    ]);
  });

  it('puts each group in the area a reader reasons about', () => {
    const areas = Object.fromEntries(summarizeByArea(times).map((a) => [a.frame, a.selfMs * 1000]));
    expect(areas).toMatchObject({
      'kernel (system calls: sockets, files, scheduling)': 500,
      'garbage collection': 500,
      'SQLite (better-sqlite3, the store)': 500,
    });
  });
});

describe('frameOfPerfSymbol', () => {
  it("reads V8's names of JavaScript code, optimized or not, and its other code", () => {
    expect(frameOfPerfSymbol('JS:~next /w/node_modules/router/index.js:189:15', '/tmp/perf-1.map')).toEqual({
      functionName: 'next',
      url: '/w/node_modules/router/index.js',
      lineNumber: 188,
      columnNumber: 14,
    });
    expect(frameOfPerfSymbol('JS:* file:///w/a.js:1:1', '/tmp/perf-1.map').functionName).toBe('');
    expect(frameOfPerfSymbol('RegExp:^[a-z]+$', '/tmp/perf-1.map').group).toBe('V8 runtime and builtins');
    expect(
      frameOfPerfSymbol('v8::internal::compiler::GraphReducer::ReduceTop()', '/usr/bin/node').group,
    ).toBe('V8 JIT compiler');
    expect(frameOfPerfSymbol('aesni_gcm_encrypt', '/usr/bin/node').group).toBe('OpenSSL');
  });
});
