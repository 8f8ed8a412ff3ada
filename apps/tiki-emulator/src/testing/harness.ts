import { createTikiClient, type TikiClient } from '@tini-starter/tiki-platform/client';
import { type Clock, createManualClock, type ManualClock } from '@tini-starter/tiki-platform/clock';
import { DEV_CLIENT_ID, DEV_CLIENT_SECRET } from '@tini-starter/tiki-platform/dev';
import { TIKI_HEADERS, TIKI_PATHS } from '@tini-starter/tiki-platform/schemas';
import { signBody, signGet, signGraphqlInput } from '@tini-starter/tiki-platform/sign';
import { afterEach, expect } from 'vitest';
import { type BaseUrls, createEmulator, type Emulator, type EmulatorOptions } from '../emulator.ts';
import { isAdjustableClock } from '../state/clock.ts';
import { EMULATOR_SERVICE_CODE } from '../tiki/rejection.ts';

/**
 * Test support: a real emulator on an ephemeral port, and requests signed with the platform's signing
 * functions (not its client, so these tests stay independent of it).
 */

/** What every emulator error carries besides code, reason and message (rejection.ts): debugging metadata. */
export const ERROR_METADATA = {
  service_code: EMULATOR_SERVICE_CODE,
  request_id: expect.stringMatching(/^[0-9a-f]{32}$/),
};

export const T0 = Date.UTC(2026, 10, 25, 9, 0, 0);
export const DEV = { clientId: DEV_CLIENT_ID, clientSecret: DEV_CLIENT_SECRET };
export const OTHER_APP = {
  clientId: 'other-app',
  clientSecret: 'other-app-secret-0000000000000000000000000000000000000000000000',
};

export interface Running {
  emulator: Emulator;
  origin: string;
  urls: BaseUrls;
  clock: ManualClock;
}

const running: Emulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.close()));
});

function unmovable(clock: Clock): ManualClock {
  const refuse = () => {
    throw new Error('this test clock cannot move');
  };
  return { now: () => clock.now(), set: refuse, advance: refuse };
}

/** An emulator with a manual clock at T0, the dev app and a second app, closed after each test. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Running> {
  const given = options.clock;
  const clock: ManualClock =
    given === undefined ? createManualClock(T0) : isAdjustableClock(given) ? given : unmovable(given);
  const emulator = createEmulator({
    clock,
    apps: [
      { ...DEV, allowedScopes: ['user_profile', 'offline'] },
      { ...OTHER_APP, allowedScopes: ['user_profile', 'offline'] },
    ],
    ...options,
  });
  running.push(emulator);
  const origin = await emulator.listen();
  return { emulator, origin, urls: emulator.baseUrls(), clock };
}

export interface SignedPostOptions {
  credentials?: { clientId: string; clientSecret: string };
  /** Defaults to the emulator clock's now. */
  timestamp?: string | number;
  /** Overrides or removes (undefined) headers after signing. */
  headers?: Record<string, string | undefined>;
  /** Sent instead of the signed body (to send bytes other than those signed). */
  sendBody?: string | Uint8Array;
}

/** POSTs `body` (the exact string signed) to a REST path with the X-Tiniapp-* headers. */
export async function signedPost(
  run: Running,
  path: string,
  body: string,
  o: SignedPostOptions = {},
): Promise<Response> {
  const credentials = o.credentials ?? DEV;
  const timestamp = String(o.timestamp ?? run.clock.now());
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    [TIKI_HEADERS.clientId]: credentials.clientId,
    [TIKI_HEADERS.timestamp]: timestamp,
    [TIKI_HEADERS.signature]: signBody({ ...credentials, timestamp, body }),
  };
  for (const [name, value] of Object.entries(o.headers ?? {})) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  // Bytes, so that fetch adds no content type of its own when a test removes it.
  const sent = o.sendBody ?? body;
  const bytes = typeof sent === 'string' ? new TextEncoder().encode(sent) : sent;
  return fetch(`${run.urls.restBaseUrl}${path}`, { method: 'POST', headers, body: bytes });
}

/** GETs a REST path and query, signed over `signedAs` (default: exactly what is requested). */
export async function signedGet(
  run: Running,
  pathAndQuery: string,
  o: { credentials?: { clientId: string; clientSecret: string }; signedAs?: string } = {},
): Promise<Response> {
  const credentials = o.credentials ?? DEV;
  const timestamp = String(run.clock.now());
  return fetch(`${run.urls.restBaseUrl}${pathAndQuery}`, {
    headers: {
      [TIKI_HEADERS.clientId]: credentials.clientId,
      [TIKI_HEADERS.timestamp]: timestamp,
      [TIKI_HEADERS.signature]: signGet({
        ...credentials,
        timestamp,
        pathAndQuery: o.signedAs ?? pathAndQuery,
      }),
    },
  });
}

/** The team's own Tiki client against this emulator (for the payment routes, whose success paths it drives). */
export function tikiClient(run: Running, credentials = DEV): TikiClient {
  return createTikiClient({
    ...credentials,
    ...run.urls,
    transport: 'rest',
    clock: run.clock,
    timeoutMs: 5_000,
    retryBaseDelayMs: 1,
  });
}

export async function json<T = unknown>(response: Response): Promise<T> {
  return JSON.parse(await response.text()) as T;
}

/** A form of the emulator's page, as a browser posts it (the page's own Origin and Sec-Fetch-Site by default). */
export async function postPageForm(
  run: Running,
  path: string,
  fields: [string, string][],
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${run.origin}/__emulator${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: run.origin,
      'sec-fetch-site': 'same-origin',
      ...headers,
    },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Calls a control under /__emulator/ with an optional JSON body: its status, headers and JSON answer. */
export async function control(run: Running, method: string, path: string, body?: unknown) {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.headers = { 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`${run.origin}/__emulator${path}`, init);
  return {
    status: response.status,
    headers: response.headers,
    body: await json<Record<string, unknown>>(response),
  };
}

export interface TikiErrorBody {
  code: number;
  reason: string;
  message: string;
}
export interface Envelope<T> {
  data: T | null;
  error: TikiErrorBody | null;
}
export interface GrantData {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  scopes: string[];
  token_type: string;
  customer?: { id: number; name: string };
}
export interface TokenInfoData {
  customer_id: number;
  customer_name: string;
  scopes: string[];
}
export interface GraphqlBody {
  data?: Record<
    string,
    { access_token: string; refresh_token: string | null; expires_in: number; scopes: string[] } | null
  > | null;
  errors?: { message: string; extensions?: { reason?: string; code?: number }; path?: string[] }[];
}
export type ProfileBody = Record<string, unknown> & Partial<Envelope<never>>;

/** A code for customer 1 with the given scopes, issued as my.getAuthCode would. */
export function codeFor(
  run: Running,
  scopes: string[] = ['user_profile', 'offline'],
  clientId = DEV.clientId,
) {
  return run.emulator.issueAuthCode({ clientId, scopes }).authCode;
}

export async function exchange(run: Running, code: string, o: SignedPostOptions = {}) {
  const response = await signedPost(run, TIKI_PATHS.token, JSON.stringify({ code }), o);
  return { status: response.status, body: await json<Envelope<GrantData>>(response) };
}

export async function refresh(run: Running, refreshToken: string, o: SignedPostOptions = {}) {
  const response = await signedPost(
    run,
    TIKI_PATHS.refresh,
    JSON.stringify({ refresh_token: refreshToken }),
    o,
  );
  return { status: response.status, body: await json<Envelope<GrantData>>(response) };
}

export async function me(run: Running, accessToken: string, o: SignedPostOptions = {}) {
  const response = await signedPost(run, TIKI_PATHS.me, JSON.stringify({ access_token: accessToken }), o);
  return { status: response.status, body: await json<Envelope<TokenInfoData>>(response) };
}

/** Exchanges a fresh code: the tokens of one new family. */
export async function login(run: Running, scopes: string[] = ['user_profile', 'offline']) {
  const result = await exchange(run, codeFor(run, scopes));
  if (result.body.data === null) throw new Error(`login failed: ${JSON.stringify(result.body)}`);
  return result.body.data;
}

export async function profile(run: Running, authorization?: string) {
  const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
  const response = await fetch(`${run.urls.openApiBaseUrl}${TIKI_PATHS.profile}`, { headers });
  return { status: response.status, headers: response.headers, body: await json<ProfileBody>(response) };
}

/** A signed GraphQL input: the signature computed over the other fields, as Tiki's first Go sample did. */
export function signedInput(
  fields: Record<string, string | number>,
  credentials: { clientSecret: string } = DEV,
): Record<string, string | number> {
  return { ...fields, signature: signGraphqlInput({ clientSecret: credentials.clientSecret, fields }) };
}

export async function graphql(run: Running, query: string, variables?: Record<string, unknown>) {
  const response = await fetch(run.urls.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: await json<GraphqlBody>(response) };
}
