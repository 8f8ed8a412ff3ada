/**
 * The process: reads the configuration from the environment, runs the server (server.ts), and stops
 * gracefully on SIGTERM or SIGINT (stop accepting, finish in-flight requests, close the store, exit within
 * SHUTDOWN_TIMEOUT_MS).
 */
import { ConfigError, loadConfig } from './config.ts';
import { loadEnvFiles } from './env-files.ts';
import { runServer } from './server.ts';
import { describeStorage } from './store/open-store.ts';

// Tests start this process with exactly the environment they mean: a developer's .env must not leak in.
if (process.env.NODE_ENV !== 'test') loadEnvFiles();

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`server: ${err.message}`);
  process.exit(78); // EX_CONFIG
}

let server: Awaited<ReturnType<typeof runServer>>;
try {
  server = await runServer(config);
} catch (err) {
  // A database that is unreachable, refuses the credentials or needs a migration: one line, exit 1, so that a
  // supervisor restarts the process and an operator reads why.
  const reason = err instanceof Error ? err.message.replace(/^server: /, '') : String(err);
  console.error(`server: could not start (${describeStorage(config.storage)}): ${reason}`);
  process.exit(1);
}
const { logger } = server;

logger.info(
  {
    url: server.url,
    metrics: server.metricsUrl === null ? 'off' : `${server.metricsUrl}/metrics`,
    env: config.env,
    transport: config.tiki.transport,
    tikiRestBaseUrl: config.tiki.restBaseUrl,
    database: describeStorage(config.storage),
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
  // Stop first, log second: whoever reads this line may rely on the listener being closed already.
  const closed = server.close();
  logger.info(
    { signal, timeoutMs: config.http.shutdownTimeoutMs },
    'shutting down: no new connections, finishing in-flight requests',
  );
  const { drained } = await closed;
  if (drained) logger.info('shut down cleanly');
  else logger.warn('shutdown deadline passed: remaining connections were cut');
  logger.flush();
  process.exit(drained ? 0 : 1);
}

process.on('SIGTERM', () => void shutDown('SIGTERM'));
process.on('SIGINT', () => void shutDown('SIGINT'));
