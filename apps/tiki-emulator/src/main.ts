import { DEV_CLIENT_ID } from '@tini-starter/tiki-platform/dev';
import { createEmulator } from './emulator.ts';
import { ipnUrlOf, loadEnv, loadRootEnvFile } from './env.ts';
import { LOOPBACK_HOSTS } from './http/allowed-hosts.ts';
import { developmentApp } from './state/seed.ts';

// The development configuration all three apps share (root .env); what the environment already says wins.
loadRootEnvFile();

// Startup lines go to stderr (console.warn): they are the emulator's whole console output. Never a secret.
const env = loadEnv(process.env);
// The host it is bound to is a name it answers to as well (unless a wildcard); loopback names always are.
const boundHost = ['0.0.0.0', '::'].includes(env.TIKI_EMULATOR_HOST) ? [] : [env.TIKI_EMULATOR_HOST];
const emulator = createEmulator({
  apps: [
    developmentApp(
      { clientId: env.TIKI_CLIENT_ID, clientSecret: env.TIKI_CLIENT_SECRET },
      env.TIKI_EMULATOR_ALLOWED_SCOPES,
    ),
  ],
  allowedHosts: [...LOOPBACK_HOSTS, ...boundHost, ...(env.TIKI_EMULATOR_ALLOWED_HOSTS ?? [])],
  ipnUrl: ipnUrlOf(env, process.env),
  ...(env.TIKI_EMULATOR_SIGNATURE_WINDOW_MS
    ? { signatureWindowMs: env.TIKI_EMULATOR_SIGNATURE_WINDOW_MS }
    : {}),
});

let origin: string;
try {
  origin = await emulator.listen({ port: env.TIKI_EMULATOR_PORT, host: env.TIKI_EMULATOR_HOST });
} catch (error) {
  const code = (error as { code?: unknown }).code;
  const where = `${env.TIKI_EMULATOR_HOST}:${env.TIKI_EMULATOR_PORT}`;
  console.error(
    code === 'EADDRINUSE'
      ? `tiki-emulator: ${where} is already in use (another emulator?); set TIKI_EMULATOR_PORT to another port`
      : `tiki-emulator: cannot listen on ${where}: ${(error as Error).message}`,
  );
  process.exit(1);
}

const urls = emulator.baseUrls();
const devApp = env.TIKI_CLIENT_ID === DEV_CLIENT_ID ? ' (development defaults)' : ' (from TIKI_CLIENT_ID)';
console.warn(`tiki-emulator: listening on ${origin}; state is kept in memory and lost on restart`);
console.warn(
  `tiki-emulator: app ${env.TIKI_CLIENT_ID}${devApp}, may request ${emulator.snapshot().apps[0]?.allowedScopes.join(', ')}`,
);
console.warn(
  `tiki-emulator: REST ${urls.restBaseUrl}  GraphQL ${urls.graphqlUrl}  Open API ${urls.openApiBaseUrl}`,
);
console.warn(`tiki-emulator: state page ${origin}/__emulator/`);
const ipnUrl = ipnUrlOf(env, process.env);
console.warn(
  `tiki-emulator: payment notifications (IPN) go to ${ipnUrl ?? 'nowhere (TIKI_EMULATOR_IPN_URL=none)'}`,
);
if (!['127.0.0.1', 'localhost', '::1'].includes(env.TIKI_EMULATOR_HOST)) {
  console.warn('tiki-emulator: WARNING: not bound to loopback; anyone who can reach it can mint auth codes');
}

let stopping = false;
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.warn(`tiki-emulator: ${signal}, shutting down`);
  await emulator.close();
  process.exit(0);
}
process.once('SIGTERM', () => void stop('SIGTERM'));
process.once('SIGINT', () => void stop('SIGINT'));
