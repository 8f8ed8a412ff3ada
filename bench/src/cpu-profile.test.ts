import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  atSource,
  type CpuProfile,
  profileWhile,
  selfTimesOf,
  shortenUrl,
  summarizeByArea,
  summarizeByModule,
  summarizeSelfTime,
} from './cpu-profile.ts';

describe('summarizeSelfTime', () => {
  it('sums self time per function and location, largest first, with shares of the total', () => {
    const frame = (id: number, functionName: string, url = 'file:///x/node_modules/express/lib/a.js') => ({
      id,
      callFrame: { functionName, url, lineNumber: 9 },
    });
    const profile: CpuProfile = {
      // Two nodes of the same function (reached from different callers) count as one frame.
      nodes: [frame(1, '(root)', ''), frame(2, 'handle'), frame(3, 'handle'), frame(4, 'parse')],
      samples: [2, 3, 4, 2],
      // The duration of sample i is the delta of sample i + 1 (the last reuses its own).
      timeDeltas: [0, 3000, 1000, 6000],
      startTime: 0,
      endTime: 16000,
    };
    const frames = summarizeSelfTime(selfTimesOf(profile));
    expect(frames.map((f) => [f.frame, f.selfMs])).toEqual([
      ['handle (express/lib/a.js:10)', 10],
      ['parse (express/lib/a.js:10)', 6],
    ]);
    expect(frames[0]?.share).toBeCloseTo(10 / 16);
  });
});

describe('shortenUrl', () => {
  it('keeps the package path inside node_modules, pnpm store prefix included', () => {
    expect(shortenUrl('file:///w/node_modules/.pnpm/express@5.3.0/node_modules/express/lib/router.js')).toBe(
      'express/lib/router.js',
    );
  });

  it('keeps the workspace path of repository files', () => {
    expect(shortenUrl('file:///work/main/apps/server/src/app.ts')).toBe('apps/server/src/app.ts');
  });
});

describe('profileWhile', () => {
  it('profiles real work in this process and finds the function that did it', async () => {
    // Spins for 100 ms of CPU time, not wall time: a busy machine makes it slower, never emptier.
    function spinForAWhile() {
      const start = process.cpuUsage();
      let x = 0;
      for (;;) {
        for (let i = 0; i < 10_000; i++) x += Math.sqrt(x + 1);
        const used = process.cpuUsage(start);
        if (used.user + used.system >= 100_000) return x;
      }
    }
    const profile = await profileWhile(() => {
      spinForAWhile();
    });
    const frames = summarizeSelfTime(selfTimesOf(profile), 50).map((f) => f.frame);
    expect(frames.some((f) => f.startsWith('spinForAWhile') || f.startsWith('cpuUsage'))).toBe(true);
  });
});

describe('summarizeByModule', () => {
  const profile: CpuProfile = {
    nodes: [
      {
        id: 1,
        callFrame: { functionName: 'compile', url: 'node:internal/modules/esm/utils', lineNumber: 3 },
      },
      {
        id: 2,
        callFrame: { functionName: 'asJson', url: 'file:///r/node_modules/pino/lib/tools.js', lineNumber: 1 },
      },
      {
        id: 3,
        callFrame: { functionName: 'write', url: 'file:///r/node_modules/pino/lib/proto.js', lineNumber: 1 },
      },
      {
        id: 4,
        callFrame: { functionName: 'findSession', url: 'file:///r/apps/server/src/store.ts', lineNumber: 0 },
      },
    ],
    // At 1000 µs start-up (module compilation), then from 10 000 µs on, the load.
    samples: [1, 1, 2, 3, 4],
    timeDeltas: [1000, 1000, 8000, 1000, 1000],
    startTime: 0,
    endTime: 12_000,
  };

  it('groups self time by package, repository file or Node internal area', () => {
    expect(summarizeByModule(selfTimesOf(profile)).map((f) => [f.frame, f.selfMs])).toEqual([
      ['node:internal/modules', 9],
      ['pino', 2],
      ['apps/server/src/store.ts', 1],
    ]);
  });
});

describe('summarizeByArea', () => {
  it('puts each module in the area a reader reasons about', () => {
    const frame = (id: number, functionName: string, url: string) => ({
      id,
      callFrame: { functionName, url, lineNumber: 1 },
    });
    const profile: CpuProfile = {
      nodes: [
        frame(1, 'redact', 'file:///r/node_modules/@pinojs/redact/index.js'),
        frame(2, 'findSession', 'file:///r/apps/server/src/store/sqlite-store.ts'),
        frame(3, 'writev', ''),
        frame(4, '(garbage collector)', ''),
        frame(5, '_Request', 'node:internal/deps/undici/undici'),
        // The Tiki client's transport is undici, not the server's sockets.
        frame(
          6,
          'request',
          'file:///r/node_modules/.pnpm/undici@7.30.2/node_modules/undici/lib/api/api-request.js',
        ),
      ],
      samples: [1, 1, 2, 3, 4, 5, 6],
      timeDeltas: [0, 1000, 1000, 1000, 1000, 1000, 1000],
      startTime: 0,
      endTime: 7000,
    };
    expect(Object.fromEntries(summarizeByArea(selfTimesOf(profile)).map((a) => [a.frame, a.selfMs]))).toEqual(
      {
        'logging (pino, pino-http, redaction)': 2,
        'SQLite (better-sqlite3, the store)': 1,
        'Node HTTP server and sockets': 1,
        'garbage collection': 1,
        'Tiki HTTP client (undici, AbortSignal, tiki-platform)': 2,
      },
    );
  });
});

describe('atSource', () => {
  it("puts a bundle's frames back at their source through the bundle's map, and leaves others alone", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-source-map-'));
    try {
      // A two-line bundle whose second line came from line 41 (zero-based 40) of ../src/store.ts.
      await writeFile(join(dir, 'main.js'), 'a;\nfunction findSession(){}\n');
      await writeFile(
        join(dir, 'main.js.map'),
        JSON.stringify({ version: 3, sources: ['../src/store.ts'], names: [], mappings: ';AAwCA' }),
      );
      const bundle = pathToFileURL(join(dir, 'main.js')).href;
      const mapped = atSource([
        { frame: { functionName: 'findSession', url: bundle, lineNumber: 1, columnNumber: 0 }, us: 5 },
        { frame: { functionName: 'writev', url: '', lineNumber: -1 }, us: 3 },
      ]);
      expect(mapped[0]?.frame.url).toBe(pathToFileURL(join(dir, '..', 'src', 'store.ts')).href);
      expect(mapped[0]?.frame.lineNumber).toBe(40);
      expect(mapped[0]?.us).toBe(5);
      expect(mapped[1]?.frame.functionName).toBe('writev');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
