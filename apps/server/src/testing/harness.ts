/**
 * The test stack: the real emulator on an ephemeral port, a real server (startServer) on another, a real
 * SQLite file in a temp folder, and a manual clock shared by both when time matters. It also records what
 * must never leak: every secret that crossed the wire to Tiki (tokens in Tiki's answers, codes and signatures
 * in our requests, the client secret), every log line and every response body the mini app received.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ROUTES } from '@tini-starter/api-contract/auth';
import { createEmulator, type Emulator, type EmulatorOptions } from '@tini-starter/tiki-emulator/emulator';
import { createManualClock, type ManualClock } from '@tini-starter/tiki-platform/clock';
import { DEV_CLIENT_ID, DEV_CLIENT_SECRET } from '@tini-starter/tiki-platform/dev';
import { expect } from 'vitest';
import type { Fulfil } from '../payments/fulfilment.ts';
import { type StartedServer, startServer } from './start-server.ts';

/** Everything a leak check looks at: secrets seen on the wire, and what the mini app and the logs saw. */
export interface LeakRecorder {
  secrets: Set<string>;
  /** Our own session tokens: the mini app may see them, a log line never. */
  sessionTokens: Set<string>;
  logLines: string[];
  /** Every answer the mini app received, status line and headers included (a header can leak too). */
  responseBodies: string[];
  /** The path of every call the Tiki client made (each attempt, as it leaves), e.g. '/ecom/v1/customers/profile'. */
  tikiCalls: string[];
  /** A fetch for the Tiki client that records the secrets of each exchange with Tiki. */
  tikiFetch: typeof fetch;
  logStream: Writable;
  addSecret(secret: string): void;
  /** Records an answer of our server: its status, headers and body, and any session token it carries. */
  recordResponse(response: Response, text: string): void;
  /** Tiki's secrets found in any log line or answer, and session tokens found in any log line (empty when
   * nothing leaked). */
  leaks(): string[];
}

const SECRET_FIELD = /"?(access_token|refresh_token|code|signature)"?\s*:\s*"([^"]+)"/g;

export function createLeakRecorder(): LeakRecorder {
  const secrets = new Set<string>([DEV_CLIENT_SECRET]);
  const sessionTokens = new Set<string>();
  const logLines: string[] = [];
  const responseBodies: string[] = [];
  const tikiCalls: string[] = [];
  const addSecret = (secret: string) => {
    if (secret.length >= 8) secrets.add(secret);
  };
  const collect = (text: string) => {
    for (const match of text.matchAll(SECRET_FIELD)) addSecret(match[2] as string);
    // A GraphQL request carries the code, refresh token and signature inside its (JSON-escaped) document.
    try {
      const { query } = JSON.parse(text) as { query?: unknown };
      if (typeof query === 'string')
        for (const match of query.matchAll(SECRET_FIELD)) addSecret(match[2] as string);
    } catch {
      // not JSON: nothing more to find
    }
  };
  return {
    secrets,
    sessionTokens,
    logLines,
    responseBodies,
    tikiCalls,
    addSecret,
    recordResponse(response, text) {
      const headers = [...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n');
      responseBodies.push(`${response.status}\n${headers}\n\n${text}`);
      try {
        const { token } = JSON.parse(text) as { token?: unknown };
        if (typeof token === 'string') sessionTokens.add(token);
      } catch {
        // not JSON: no session token in it
      }
    },
    logStream: new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
    async tikiFetch(input, init) {
      tikiCalls.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
      const headers = new Headers(init?.headers);
      const signature = headers.get('x-tiniapp-signature');
      if (signature) addSecret(signature);
      const bearer = headers.get('authorization')?.replace(/^Bearer /i, '');
      if (bearer) addSecret(bearer);
      // The REST client sends the exact bytes it signed (a Uint8Array); GraphQL documents go as strings.
      const body = init?.body;
      if (typeof body === 'string') collect(body);
      else if (body instanceof Uint8Array) collect(new TextDecoder().decode(body));
      else if (body !== undefined && body !== null) throw new Error('leak recorder: unreadable request body');
      const response = await fetch(input, init);
      collect(await response.clone().text());
      return response;
    },
    leaks() {
      const seen = [...logLines, ...responseBodies];
      return [
        ...[...secrets].filter((secret) => seen.some((text) => text.includes(secret))),
        ...[...sessionTokens].filter((token) => logLines.some((line) => line.includes(token))),
      ];
    },
  };
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export interface Stack {
  emulator: Emulator;
  server: StartedServer;
  clock: ManualClock;
  recorder: LeakRecorder;
  dir: string;
  /** Plays my.getAuthCode: a fresh code for customer 1 with the given scopes. */
  authCode(i?: { scopes?: string[]; deny?: string[]; customerId?: number }): string;
  request(
    method: string,
    path: string,
    o?: { token?: string; json?: unknown; body?: string; headers?: Record<string, string> },
  ): Promise<ApiResponse>;
  login(authCode: string): Promise<ApiResponse>;
  /** Logs in with a fresh code and returns the session token. */
  loginToken(i?: { scopes?: string[]; deny?: string[]; customerId?: number }): Promise<string>;
  /** Points the emulator's IPNs (Tini Console's IPN Callback URL) at the running server, or at `url`. */
  routeIpns(url?: string): void;
  /** Restarts the server on the same database file (a process restart, as far as the data goes). */
  restartServer(env?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  env?: Record<string, string>;
  /** The fulfilment hook of every server the stack starts. */
  fulfil?: Fulfil;
  /** Every server the stack starts sells cash on delivery. */
  sellsCashOnDelivery?: boolean;
  emulator?: EmulatorOptions;
  clock?: ManualClock;
  recorder?: LeakRecorder;
}

export async function startStack(o: StackOptions = {}): Promise<Stack> {
  const clock = o.clock ?? createManualClock(Date.now());
  const recorder = o.recorder ?? createLeakRecorder();
  // Signatures are checked against the server's clock; a test may give the emulator its own clock for tokens.
  const emulator = createEmulator({ clock, signatureClock: clock, ...o.emulator });
  await emulator.listen();
  const dir = mkdtempSync(join(tmpdir(), 'server-test-'));
  const dbFile = join(dir, 'server.sqlite');
  const start = (env: Record<string, string> = o.env ?? {}) =>
    startServer({
      baseUrls: emulator.baseUrls(),
      clock,
      dbFile,
      env,
      logDestination: recorder.logStream,
      // Read at each call, so that a test may wrap it after the start (tikiCallSent).
      fetch: (input, init) => recorder.tikiFetch(input, init),
      ...(o.fulfil ? { fulfil: o.fulfil } : {}),
      ...(o.sellsCashOnDelivery === undefined ? {} : { sellsCashOnDelivery: o.sellsCashOnDelivery }),
    });
  let server = await start();

  const stack: Stack = {
    emulator,
    get server() {
      return server;
    },
    clock,
    recorder,
    dir,
    authCode(i = {}) {
      const { authCode } = emulator.issueAuthCode({
        clientId: DEV_CLIENT_ID,
        customerId: i.customerId ?? 1,
        scopes: i.scopes ?? ['user_profile', 'offline'],
        ...(i.deny ? { deny: i.deny } : {}),
      });
      recorder.addSecret(authCode);
      return authCode;
    },
    async request(method, path, r = {}) {
      const headers: Record<string, string> = { ...r.headers };
      if (r.token !== undefined) headers.authorization = `Bearer ${r.token}`;
      let body = r.body;
      if (r.json !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = JSON.stringify(r.json);
      }
      if (r.token !== undefined && r.token.length >= 8) recorder.sessionTokens.add(r.token);
      const response = await fetch(`${server.url}${path}`, { method, headers, body });
      const text = await response.text();
      recorder.recordResponse(response, text);
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = text;
      }
      return { status: response.status, headers: response.headers, body: parsed, text };
    },
    login(authCode) {
      return stack.request('POST', '/api/auth/login', { json: { authCode } });
    },
    async loginToken(i) {
      const response = await stack.login(stack.authCode(i));
      if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
      return (response.body as { token: string }).token;
    },
    routeIpns(url) {
      emulator.setIpnUrl(url ?? `${server.url}${ROUTES.tikiIpn.path}`);
    },
    async restartServer(env) {
      await server.close();
      server = await start(env);
    },
    async close() {
      await server.close();
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}

/**
 * Resolves when the server's Tiki client next sends a `method` request whose path ends with `suffix`, as it
 * leaves (before Tiki answers): a test acts while that call is on its way, whatever the machine's speed.
 */
export function tikiCallSent(recorder: LeakRecorder, method: string, suffix: string): Promise<void> {
  const inner = recorder.tikiFetch;
  return new Promise((resolve) => {
    recorder.tikiFetch = (input, init) => {
      const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
      if ((init?.method ?? 'GET') === method && path.endsWith(suffix)) {
        recorder.tikiFetch = inner;
        resolve();
      }
      return inner(input, init);
    };
  });
}

/** Polls `done` until it holds (or fails the test after `timeoutMs`): for what happens on real timers. */
export async function until(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > giveUpAt) throw new Error(`until: not so within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The body of an error answer, e.g. { code: 'unauthenticated', ... }. */
export function errorOf(response: ApiResponse): { code: string; message: string; details?: unknown } {
  return (response.body as { error: { code: string; message: string; details?: unknown } }).error;
}

/** Closes the stack first, so that every request's last log line is written, then fails on any leak. */
export async function closeAndExpectNoLeak(stack: Stack): Promise<void> {
  await stack.close();
  expect(stack.recorder.leaks()).toEqual([]);
}
