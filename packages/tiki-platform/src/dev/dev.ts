/**
 * Development defaults shared by the emulator (which registers this app), the server (which uses it when no
 * credentials are configured, and refuses it in production) and the mini app's development build.
 * These are not secrets: they only ever work against the local emulator.
 */
export const DEV_CLIENT_ID = 'tini-starter-dev';
export const DEV_CLIENT_SECRET = 'dev-only-secret-never-valid-on-tiki-0000000000000000000000000000';

export const DEV_HOST = '127.0.0.1';
export const DEV_EMULATOR_PORT = 4010;
export const DEV_SERVER_PORT = 3000;
/** The mini app's browser preview (`pnpm dev`); the server allows its origin outside production only. */
export const DEV_PREVIEW_PORT = 4020;
export const DEV_EMULATOR_ORIGIN = `http://${DEV_HOST}:${DEV_EMULATOR_PORT}`;

/** Base URLs of an emulator at `origin`, laid out exactly as Tiki's, so that only the origin differs. */
export function emulatorBaseUrls(origin: string) {
  return {
    restBaseUrl: `${origin}/tiniapp-open-api`,
    graphqlUrl: `${origin}/tiniapp/api/graphql/query`,
    openApiBaseUrl: origin,
  } as const;
}

export const DEV_BASE_URLS = emulatorBaseUrls(DEV_EMULATOR_ORIGIN);

/**
 * The one development configuration: where the emulator and the server listen, read from the variables all
 * three apps share (a root `.env`, or the environment), and every URL that follows from them. An explicit
 * URL variable wins; a wildcard bind address (0.0.0.0, ::) is reached as 127.0.0.1.
 */
export function developmentOrigins(env: Readonly<Record<string, string | undefined>>): {
  emulatorOrigin: string;
  serverOrigin: string;
  previewOrigin: string;
} {
  const origin = (host: string | undefined, port: string | undefined, defaultPort: number) => {
    const name = host === undefined || host === '' || host === '0.0.0.0' || host === '::' ? DEV_HOST : host;
    const shown = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
    return `http://${shown}:${port === undefined || port === '' ? defaultPort : port}`;
  };
  return {
    emulatorOrigin: origin(env.TIKI_EMULATOR_HOST, env.TIKI_EMULATOR_PORT, DEV_EMULATOR_PORT),
    serverOrigin: origin(env.HOST, env.PORT, DEV_SERVER_PORT),
    previewOrigin: origin(env.MINIAPP_PREVIEW_HOST, env.MINIAPP_PREVIEW_PORT, DEV_PREVIEW_PORT),
  };
}

/** Tiki's production URLs (sandbox has its own REST base URL and key/secret pair, shown in Tini Console). */
export const TIKI_PRODUCTION_BASE_URLS = {
  restBaseUrl: 'https://api.tiki.vn/tiniapp-open-api',
  graphqlUrl: 'https://api.tiki.vn/tiniapp/api/graphql/query',
  openApiBaseUrl: 'https://openapi.tiki.vn',
} as const;
