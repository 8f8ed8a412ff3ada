import { DEV_CLIENT_ID } from '@tini-starter/tiki-platform/dev';
import { createEmulator } from './emulator.ts';
import { loadEnv } from './env.ts';
import { developmentApp } from './seed.ts';

// Startup lines go to stderr (console.warn): they are the emulator's whole log; secrets are never printed.
const env = loadEnv(process.env);
const emulator = createEmulator({
  apps: [developmentApp({ clientId: env.TIKI_CLIENT_ID, clientSecret: env.TIKI_CLIENT_SECRET })],
});
const origin = await emulator.listen({ port: env.TIKI_EMULATOR_PORT, host: env.TIKI_EMULATOR_HOST });
const urls = emulator.baseUrls();
console.warn(`tiki-emulator: listening on ${origin}; state is kept in memory and lost on restart`);
console.warn(
  `tiki-emulator: app ${env.TIKI_CLIENT_ID}${env.TIKI_CLIENT_ID === DEV_CLIENT_ID ? ' (development defaults)' : ''}; ` +
    `REST ${urls.restBaseUrl}, GraphQL ${urls.graphqlUrl}, Open API ${urls.openApiBaseUrl}`,
);
console.warn(`tiki-emulator: state page ${origin}/__emulator/`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.warn(`tiki-emulator: ${signal}, shutting down`);
  await emulator.close();
  process.exit(0);
}
process.once('SIGTERM', () => void stop('SIGTERM'));
process.once('SIGINT', () => void stop('SIGINT'));
