import type { OnAttempt } from './attempts.ts';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';
import { describeValue, misuse, requireNonEmptyString, requireRecord } from './guards.ts';
import { fetchTransport, type HttpTransport } from './http-transport.ts';
import { undiciTransport } from './undici-transport.ts';

export interface TikiClientOptions {
  clientId: string;
  clientSecret: string;
  /** e.g. https://api.tiki.vn/tiniapp-open-api (exchange, refresh, /oauth/me). */
  restBaseUrl: string;
  /** e.g. https://api.tiki.vn/tiniapp/api/graphql/query (exchange and refresh with transport 'graphql'). */
  graphqlUrl: string;
  /** e.g. https://openapi.tiki.vn (customer profile). */
  openApiBaseUrl: string;
  /** 'graphql' changes only exchange and refresh; /oauth/me and the profile are always REST. */
  transport: 'rest' | 'graphql';
  /**
   * Default: none, and the client calls Tiki through undici with its own pool per origin (undici-transport.ts).
   * Pass globalThis.fetch, or any fetch (tests watch traffic with one), to call through it instead; it is called
   * with `redirect: 'manual'` and an AbortSignal per attempt.
   */
  fetch?: typeof fetch;
  clock?: Clock;
  /** The deadline of each attempt, covering the whole response body. */
  timeoutMs: number;
  /** Extra attempts of a read after a 5xx or a network failure, 0 to 10. Default 2. */
  readRetries?: number;
  /** Base of the full-jitter exponential backoff between read attempts, up to 60 s. Default 200 ms. */
  retryBaseDelayMs?: number;
  /**
   * Told of every HTTP attempt (route, outcome, time) after it ended: where a server counts its calls to Tiki.
   * It runs inside the call, so it must not throw; the client logs nothing and counts nothing by itself.
   */
  onAttempt?: OnAttempt;
}

/** Tiki's three base URLs: all that differs between the emulator, sandbox and production (with the key pair). */
export type TikiBaseUrls = Pick<TikiClientOptions, 'restBaseUrl' | 'graphqlUrl' | 'openApiBaseUrl'>;

/** The options with every default filled in, and the transport they chose: what the calls read. */
export type ResolvedOptions = Required<Omit<TikiClientOptions, 'fetch' | 'onAttempt'>> & {
  http: HttpTransport;
  onAttempt: OnAttempt | null;
};

function requireHttpUrl(name: string, value: unknown): string {
  const text = requireNonEmptyString(name, value);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw misuse(`${name} must be an absolute http(s) URL, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw misuse(`${name} must be an http(s) URL, got ${JSON.stringify(text)}`);
  }
  return text.replace(/\/+$/, '');
}

/** Node turns a timer above 2^31-1 ms into 1 ms, so a deadline beyond that would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

function requireNumberBetween(
  name: string,
  value: unknown,
  min: number,
  max: number,
  integer: boolean,
): number {
  const ok =
    typeof value === 'number' && value >= min && value <= max && (!integer || Number.isInteger(value));
  if (!ok) {
    const kind = integer ? 'an integer' : 'a number';
    const got = typeof value === 'number' ? value : describeValue(value);
    throw misuse(`${name} must be ${kind} from ${min} to ${max}, got ${got}`);
  }
  return value as number;
}

/** Misconfiguration is a bug at startup, so it throws at once rather than on the first call. */
export function resolveOptions(o: TikiClientOptions): ResolvedOptions {
  requireRecord('createTikiClient options', o);
  if (o.transport !== 'rest' && o.transport !== 'graphql') {
    throw misuse(`transport must be 'rest' or 'graphql', got ${JSON.stringify(o.transport)}`);
  }
  if (o.fetch !== undefined && typeof o.fetch !== 'function') throw misuse('fetch must be a function');
  if (o.onAttempt !== undefined && typeof o.onAttempt !== 'function')
    throw misuse('onAttempt must be a function');
  if (o.clock !== undefined && typeof o.clock?.now !== 'function')
    throw misuse('clock must have a now() method');
  return {
    clientId: requireNonEmptyString('clientId', o.clientId),
    clientSecret: requireNonEmptyString('clientSecret', o.clientSecret),
    restBaseUrl: requireHttpUrl('restBaseUrl', o.restBaseUrl),
    graphqlUrl: requireHttpUrl('graphqlUrl', o.graphqlUrl),
    openApiBaseUrl: requireHttpUrl('openApiBaseUrl', o.openApiBaseUrl),
    transport: o.transport,
    http: o.fetch ? fetchTransport(o.fetch) : undiciTransport(),
    onAttempt: o.onAttempt ?? null,
    clock: o.clock ?? systemClock,
    timeoutMs: requireNumberBetween('timeoutMs', o.timeoutMs, 1, MAX_TIMER_MS, false),
    readRetries: requireNumberBetween('readRetries', o.readRetries ?? 2, 0, 10, true),
    retryBaseDelayMs: requireNumberBetween('retryBaseDelayMs', o.retryBaseDelayMs ?? 200, 0, 60_000, false),
  };
}
