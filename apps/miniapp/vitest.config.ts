import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', '*.test.ts'],
    // End-to-end tests start a real server and emulator each; two cores are shared with other engineers.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
