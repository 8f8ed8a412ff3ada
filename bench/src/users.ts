/** Logging bench users in through the real flow: the emulator mints a code per customer, the server exchanges it. */
import { createTikiClient } from '@tini-starter/tiki-platform/client';
import { DEV_CLIENT_ID, DEV_CLIENT_SECRET } from '@tini-starter/tiki-platform/dev';
import { TIKI_HEADERS, TIKI_PATHS } from '@tini-starter/tiki-platform/schemas';
import { signBody } from '@tini-starter/tiki-platform/sign';
import type { Child } from './child.ts';
import type { Shot } from './load-generator.ts';

export interface LoggedInUser {
  customerId: number;
  userId: string;
  /** Our session token (the only credential the mini app holds). */
  token: string;
}

export function range(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}

export function mintCodes(emulator: Child, customerIds: number[]): Promise<string[]> {
  return emulator.call<string[]>('mint', { customerIds });
}

/** The request the mini app sends for one code. */
export function loginShot(authCode: string): Shot {
  return {
    method: 'POST',
    path: '/api/auth/login',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ authCode }),
  };
}

/** Tiki's exchange of one code, signed now, exactly as the server sends it (the baseline of the login row). */
export function exchangeShot(authCode: string, now = Date.now()): Shot {
  const body = JSON.stringify({ code: authCode });
  const timestamp = String(now);
  return {
    method: 'POST',
    path: `/tiniapp-open-api${TIKI_PATHS.token}`,
    headers: {
      'content-type': 'application/json',
      [TIKI_HEADERS.clientId]: DEV_CLIENT_ID,
      [TIKI_HEADERS.timestamp]: timestamp,
      [TIKI_HEADERS.signature]: signBody({
        clientId: DEV_CLIENT_ID,
        clientSecret: DEV_CLIENT_SECRET,
        timestamp,
        body,
      }),
    },
    body,
  };
}

/** Logs the customers in, `concurrency` at a time; throws with the answer if any login is refused. */
export async function loginUsers(o: {
  emulator: Child;
  serverOrigin: string;
  customerIds: number[];
  concurrency?: number;
}): Promise<LoggedInUser[]> {
  const codes = await mintCodes(o.emulator, o.customerIds);
  const users: LoggedInUser[] = new Array(codes.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < codes.length; i = next++) {
      const shot = loginShot(codes[i] as string);
      const response = await fetch(`${o.serverOrigin}${shot.path}`, {
        method: 'POST',
        headers: shot.headers,
        body: shot.body ?? null,
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`bench: login answered ${response.status}: ${text}`);
      const body = JSON.parse(text) as { token: string; user: { id: string } };
      users[i] = { customerId: o.customerIds[i] as number, userId: body.user.id, token: body.token };
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 20 }, worker));
  return users;
}

/** Tiki access tokens obtained directly from the emulator (no server): the baseline of the profile row. */
export async function tikiAccessTokens(emulator: Child, customerIds: number[]): Promise<string[]> {
  const tiki = createTikiClient({
    clientId: DEV_CLIENT_ID,
    clientSecret: DEV_CLIENT_SECRET,
    restBaseUrl: `${emulator.origin}/tiniapp-open-api`,
    graphqlUrl: `${emulator.origin}/tiniapp/api/graphql/query`,
    openApiBaseUrl: emulator.origin,
    transport: 'rest',
    timeoutMs: 10_000,
  });
  const codes = await mintCodes(emulator, customerIds);
  const tokens: string[] = [];
  for (const code of codes) tokens.push((await tiki.exchangeAuthCode(code)).accessToken);
  return tokens;
}

/** Cycles through a list forever: each call the next element. */
export function cycle<T>(items: readonly T[]): () => T {
  if (items.length === 0) throw new RangeError('bench: nothing to cycle through');
  let i = 0;
  return () => items[i++ % items.length] as T;
}
