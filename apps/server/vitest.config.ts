import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'ops/**/*.test.ts'],
    // One PostgreSQL for the run: a throwaway cluster (or TEST_DATABASE_URL); it fails the run if it cannot start.
    globalSetup: ['src/testing/postgres-global-setup.ts'],
    // Integration tests start real servers, emulators and child processes on a shared, busy machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
