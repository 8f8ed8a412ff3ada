/**
 * What `pnpm dev` runs before it starts the watcher: a bad configuration or a busy port stops it at once, with
 * one line, and a non-zero exit that makes turbo stop the other apps too (a watcher would stay alive instead).
 */
import { exitIfPortBusy } from '@tini-starter/tiki-platform/dev-port';
import { ConfigError, loadConfig } from './config.ts';
import { loadEnvFiles } from './env-files.ts';

loadEnvFiles();
try {
  const config = loadConfig(process.env);
  await exitIfPortBusy({
    what: 'server',
    host: config.host,
    port: config.port,
    variables: { port: 'PORT', host: 'HOST' },
  });
  if (config.metrics.port > 0) {
    await exitIfPortBusy({
      what: 'server metrics',
      host: config.metrics.host,
      port: config.metrics.port,
      variables: { port: 'METRICS_PORT', host: 'METRICS_HOST' },
    });
  }
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`server: ${err.message}`);
  process.exit(78); // EX_CONFIG
}
