import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Generous: the suites share two cores with other engineers' runs; nothing here asserts on time.
    testTimeout: 20_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: [
        'src/**/*.test.ts',
        // Test helpers (the fake Tiki server, vectors) are exercised by the tests, not measured as product code.
        'src/testing/**',
        // The bin's entry only binds process.argv/stdout to runCli; it runs in a subprocess (cli.test.ts),
        // where v8 coverage is not collected. All its logic is in run-cli.ts, measured in-process.
        'src/cli/cli.ts',
      ],
      reporter: ['text-summary', 'text'],
      // Reports go to the terminal only; the directory is scratch. One per run: two runs at once (turbo and an
      // engineer in the same tree) sharing ./coverage delete each other's .tmp and fail.
      reportsDirectory: join(tmpdir(), `tiki-platform-coverage-${process.pid}`),
      thresholds: { lines: 95, statements: 95, functions: 95, branches: 90 },
    },
  },
});
