/**
 * The real thing, in-process: the Tiki emulator and our server on ephemeral ports sharing one manual clock,
 * and the mini app built (development build, the same build.mjs as `pnpm dev`) against their origins.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROUTES } from '@tini-starter/api-contract/auth';
import { type StartedServer, startServer } from '@tini-starter/server/testing';
import { createEmulator, type Emulator, type EmulatorOptions } from '@tini-starter/tiki-emulator/emulator';
import { createManualClock } from '@tini-starter/tiki-platform/clock';
import { type BuildResult, buildMiniapp } from '../../build.mjs';

export interface World {
  emulator: Emulator;
  /** Where the emulator listens, e.g. http://127.0.0.1:53211 (its page is at /__emulator/). */
  emulatorOrigin: string;
  server: StartedServer;
  clock: ReturnType<typeof createManualClock>;
  build: BuildResult;
  distDir: string;
  close(): Promise<void>;
}

export async function startWorld(
  o: { emulator?: EmulatorOptions; serverEnv?: Record<string, string>; distDir?: string } = {},
) {
  const clock = createManualClock(Date.parse('2026-03-01T08:00:00Z'));
  const emulator = createEmulator({ clock, ...o.emulator });
  const emulatorOrigin = await emulator.listen();
  const server = await startServer({
    baseUrls: emulator.baseUrls(),
    clock,
    // Tests log in many times from one address within a minute.
    env: { LOGIN_RATE_LIMIT_MAX: '1000', ...o.serverEnv },
  });
  // Tini Console's IPN Callback URL: the emulator notifies our server of payments, as Tiki would.
  emulator.setIpnUrl(`${server.url}${ROUTES.tikiIpn.path}`);
  const distDir = o.distDir ?? mkdtempSync(path.join(tmpdir(), 'miniapp-dist-'));
  const build = await buildMiniapp({ outDir: distDir, apiBaseUrl: server.url, emulatorOrigin, quiet: true });
  const world: World = {
    emulator,
    emulatorOrigin,
    server,
    clock,
    build,
    distDir,
    async close() {
      await server.close();
      await emulator.close();
      rmSync(distDir, { recursive: true, force: true });
    },
  };
  return world;
}
