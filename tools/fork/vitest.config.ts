import { configDefaults, defineConfig } from 'vitest/config';

/**
 * fork-clone.test.ts runs `pnpm test` in a forked copy of the repository, which holds this file too: inside that
 * copy (FORK_CLONE_CHECK=1) it is left out, or it would fork a copy of the copy without end. The outer run is
 * the one that runs it.
 */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    exclude: [
      ...configDefaults.exclude,
      ...(process.env.FORK_CLONE_CHECK === '1' ? ['src/fork-clone.test.ts'] : []),
    ],
    // The clone check installs and runs every suite of a copy of the repository: minutes on two shared cores.
    testTimeout: 15 * 60_000,
    hookTimeout: 60_000,
  },
});
