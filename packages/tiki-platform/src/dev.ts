/**
 * Development defaults shared by the emulator (which registers this app), the server (which uses it when no
 * credentials are configured, and refuses it in production) and the mini app's development build.
 * These are not secrets: they only ever work against the local emulator.
 */
export const DEV_CLIENT_ID = 'tini-starter-dev';
export const DEV_CLIENT_SECRET = 'dev-only-secret-never-valid-on-tiki-0000000000000000000000000000';

export const DEV_EMULATOR_PORT = 4010;
export const DEV_EMULATOR_ORIGIN = `http://127.0.0.1:${DEV_EMULATOR_PORT}`;

/** Base URLs of the emulator, laid out exactly as Tiki's, so that only the origin differs. */
export const DEV_BASE_URLS = {
  restBaseUrl: `${DEV_EMULATOR_ORIGIN}/tiniapp-open-api`,
  graphqlUrl: `${DEV_EMULATOR_ORIGIN}/tiniapp/api/graphql/query`,
  openApiBaseUrl: DEV_EMULATOR_ORIGIN,
} as const;

/** Tiki's production URLs (sandbox has its own REST base URL and key/secret pair, shown in Tini Console). */
export const TIKI_PRODUCTION_BASE_URLS = {
  restBaseUrl: 'https://api.tiki.vn/tiniapp-open-api',
  graphqlUrl: 'https://api.tiki.vn/tiniapp/api/graphql/query',
  openApiBaseUrl: 'https://openapi.tiki.vn',
} as const;
