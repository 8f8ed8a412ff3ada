/**
 * What `pnpm dev` runs before it starts the watcher: a busy port stops it at once, with one line and a non-zero
 * exit that makes turbo stop the other apps too (a watcher would stay alive instead).
 */
import { exitIfPortBusy } from '@tini-starter/tiki-platform/dev-port';
import { loadEnv, loadRootEnvFile } from './env.ts';

loadRootEnvFile();
const env = loadEnv(process.env);
await exitIfPortBusy({
  what: 'tiki-emulator',
  host: env.TIKI_EMULATOR_HOST,
  port: env.TIKI_EMULATOR_PORT,
  variables: { port: 'TIKI_EMULATOR_PORT', host: 'TIKI_EMULATOR_HOST' },
});
