import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests start real servers, emulators and child processes on a shared, busy machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
