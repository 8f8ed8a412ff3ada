/**
 * The process: reads the configuration, builds the dependencies, listens, and stops gracefully on SIGTERM or
 * SIGINT (stop accepting, finish in-flight requests, close the store, exit within SHUTDOWN_TIMEOUT_MS).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { systemClock } from '@tini-starter/tiki-platform/clock';
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { listen } from './http-server.ts';
import { createLogger } from './logger.ts';
import { openSqliteStore } from './store/sqlite-store.ts';
import { createTikiClientFromConfig } from './tiki-client.ts';

// A .env beside package.json is optional: the defaults work without one (development against the emulator).
const envFile = fileURLToPath(new URL('../.env', import.meta.url));
if (existsSync(envFile)) process.loadEnvFile(envFile);

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`server: ${err.message}`);
  process.exit(78); // EX_CONFIG
}

const logger = createLogger({ level: config.log.level, pretty: config.log.pretty });
const store = openSqliteStore(config.storage.databaseFile);
const clock = systemClock;
const tiki = createTikiClientFromConfig(config, { clock });
const app = createApp({ config, store, tiki, logger, clock });
const server = await listen(app, { host: config.host, port: config.port });

logger.info(
  {
    url: server.url,
    env: config.env,
    transport: config.tiki.transport,
    tikiRestBaseUrl: config.tiki.restBaseUrl,
    databaseFile: config.storage.databaseFile,
  },
  'server listening',
);
if (config.env !== 'production' && config.encryption.activeKeyId === 'dev') {
  logger.warn('using the development encryption key: set TOKEN_ENCRYPTION_KEYS before storing real tokens');
}

let shuttingDown = false;
async function shutDown(signal: string): Promise<void> {
  if (shuttingDown) {
    // A second Ctrl-C means "now": skip the drain.
    logger.warn({ signal }, 'second signal: exiting without waiting');
    logger.flush();
    process.exit(1);
  }
  shuttingDown = true;
  const timeoutMs = config.http.shutdownTimeoutMs;
  // Stop first, log second: whoever reads this line may rely on the listener being closed already.
  const stopped = server.stop(timeoutMs);
  logger.info({ signal, timeoutMs }, 'shutting down: no new connections, finishing in-flight requests');
  const { drained } = await stopped;
  await store.close();
  if (drained) logger.info('shut down cleanly');
  else logger.warn('shutdown deadline passed: remaining connections were cut');
  logger.flush();
  process.exit(drained ? 0 : 1);
}

process.on('SIGTERM', () => void shutDown('SIGTERM'));
process.on('SIGINT', () => void shutDown('SIGINT'));
