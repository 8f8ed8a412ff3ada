import type { Clock } from '@tini-starter/tiki-platform/clock';

/** An app registered in the emulator's Tini Console. */
export interface EmulatorApp {
  clientId: string;
  clientSecret: string;
  /** The scopes the app may request; any other requested scope is answered with authErrorScopes "1". */
  allowedScopes: string[];
  name?: string;
}

/** A Tiki customer. The fields beyond id and name appear in the Open API profile when present. */
export interface EmulatorCustomer {
  id: number;
  name: string;
  email?: string;
  phone_number?: string;
}

export interface Lifetimes {
  /** Auth code lifetime (Tiki: about a minute). */
  authCodeMs: number;
  /** Access token lifetime (Tiki: 3600 s). */
  accessTokenMs: number;
  /** Refresh token lifetime, renewed on each rotation. */
  refreshTokenMs: number;
}

export type FaultRoute = 'token' | 'refresh' | 'me' | 'graphql' | 'profile' | '*';

export type Fault =
  | { route: FaultRoute; kind: 'latency'; ms: number; times?: number }
  | { route: FaultRoute; kind: 'status'; status: number; times?: number }
  | { route: FaultRoute; kind: 'drop_connection'; times?: number }
  | { route: FaultRoute; kind: 'drop_response_after_commit'; times?: number };

/** What the caller wanted, whatever the transport: GraphQL exchanges count as 'token', its refreshes as 'refresh'. */
export type Operation = 'token' | 'refresh' | 'me' | 'profile';

export interface RequestLogEntry {
  id: number;
  at: number;
  method: string;
  /** Path without the query string. */
  path: string;
  route: Exclude<FaultRoute, '*'> | 'emulator' | 'unknown';
  /** The operation behind the route, when known (a GraphQL call is 'token' or 'refresh'). */
  operation?: Operation;
  /** HTTP status sent, 0 when the connection was dropped before a response. */
  status: number;
  /** 'ok', a Tiki reason ('invalid_code', 'invalid_signature'...), 'emulated_fault', 'aborted'. */
  verdict: 'ok' | (string & {});
  message?: string;
  clientId?: string;
  /** For signature mismatches: the payload the emulator signed, with tokens and codes masked. */
  expectedPayload?: string;
  /** The fault applied, e.g. 'status 503', 'latency 200ms', 'drop_response_after_commit'. */
  fault?: string;
}

export interface EmulatorOptions {
  /** The clock of codes and tokens. Default: system time plus an offset the emulator owns (HTTP-adjustable). */
  clock?: Clock;
  /**
   * The clock signature timestamps are checked against. Default: `clock` when one is given, else system time,
   * so that moving the emulator's own clock expires tokens without making every caller's signature stale.
   */
  signatureClock?: Clock;
  lifetimes?: Partial<Lifetimes>;
  /** Registered apps. Default: the development app (DEV_CLIENT_ID) with ['user_profile', 'offline']. */
  apps?: EmulatorApp[];
  /** Seeded customers. Default: customer 1 "Ti Ni" and a few with Vietnamese names. */
  customers?: EmulatorCustomer[];
  /** Request log capacity (default 500). Counts are kept for every request regardless. */
  requestLogSize?: number;
}

export interface BaseUrls {
  restBaseUrl: string;
  graphqlUrl: string;
  openApiBaseUrl: string;
}

export interface IssueAuthCodeInput {
  clientId: string;
  /** Default 1 ("Ti Ni"). */
  customerId?: number;
  /** The scopes requested by my.getAuthCode. Default none. */
  scopes?: string[];
  /** Scopes the user refuses on the consent screen (answered "2"). */
  deny?: string[];
}

export interface AuthCodeAnswer {
  authCode: string;
  authSuccessScopes: string[];
  authErrorScopes: Record<string, '1' | '2'>;
}
