import type { Clock } from '@tini-starter/tiki-platform/clock';
import { TIKI_ERROR_REASONS } from '@tini-starter/tiki-platform/schemas';
import { TIKI_SCOPES } from '@tini-starter/tiki-platform/scopes';
import { TikiRejection } from '../tiki/rejection.ts';
import { generateAuthCode, generateToken, maskCredential } from './tokens.ts';

/**
 * The emulator's Tiki: apps, customers, auth codes and token families, in memory.
 *
 * Every operation that checks and consumes a credential is synchronous, so that on Node's single thread two
 * concurrent uses of one code or refresh token cannot both pass the check: exactly one wins.
 */

/** An app registered in the emulator's Tini Console. */
export interface EmulatorApp {
  clientId: string;
  clientSecret: string;
  /** The scopes the app may request; any other requested scope is answered with authErrorScopes "1". */
  allowedScopes: string[];
  name?: string;
  /** Tini Console's IPN Callback URL; default: the emulator's `ipnUrl` option (the development server's). */
  ipnUrl?: string;
  /** The seller linked in Tini Console (for `POST /order/multi-sku`); default: none. */
  sellerId?: number;
  /** The order value cap, VND (Tiki: 10,000,000 unless Console raised it). */
  orderAmountLimit?: number;
}
/** A Tiki customer. The fields beyond id and name appear in the Open API profile when present. */
export type EmulatorCustomer = {
  id: number;
  name: string;
  email?: string;
  phone_number?: string;
};
export interface Lifetimes {
  /** Auth code lifetime (Tiki: about a minute). */
  authCodeMs: number;
  /** Access token lifetime (Tiki: 3600 s). */
  accessTokenMs: number;
  /** Refresh token lifetime, renewed on each rotation. */
  refreshTokenMs: number;
}
/** The customer a consent signs in as when none is chosen ("Ti Ni" in the seed). */
export const DEFAULT_CUSTOMER_ID = 1;

export interface IssueAuthCodeInput {
  clientId: string;
  /** Default DEFAULT_CUSTOMER_ID. */
  customerId?: number;
  /** The scopes requested by my.getAuthCode. Default none. */
  scopes?: string[];
  /** Scopes the user refuses on the consent screen (answered "2"). */
  deny?: string[];
  /** Scopes treated as not allowed for the app this time, whatever it registered (answered "1"). */
  notAllowed?: string[];
}
export interface AuthCodeAnswer {
  authCode: string;
  authSuccessScopes: string[];
  authErrorScopes: Record<string, '1' | '2'>;
}
export interface Grant {
  accessToken: string;
  /** Only when `offline` was granted. */
  refreshToken: string | null;
  expiresIn: number;
  scopes: string[];
  customer: { id: number; name: string };
}

export interface TokenInfo {
  customer: EmulatorCustomer;
  scopes: string[];
}

interface AuthCodeRecord {
  code: string;
  clientId: string;
  customerId: number;
  scopes: string[];
  issuedAt: number;
  expiresAt: number;
  usedAt: number | null;
  familyId: number | null;
}

/** Everything issued from one auth code: its access tokens and its chain of refresh tokens. */
interface TokenFamily {
  id: number;
  code: string;
  clientId: string;
  customerId: number;
  scopes: string[];
  createdAt: number;
  revokedAt: number | null;
  revokedBecause: string | null;
  /** After this instant nothing of the family can be live: it may be forgotten. */
  horizon: number;
}

interface AccessTokenRecord {
  token: string;
  familyId: number;
  issuedAt: number;
  expiresAt: number;
}

interface RefreshTokenRecord {
  token: string;
  familyId: number;
  issuedAt: number;
  expiresAt: number;
  rotatedAt: number | null;
}

export interface StateSnapshot {
  now: number;
  lifetimes: Lifetimes;
  apps: { clientId: string; name: string | null; allowedScopes: string[] }[];
  customers: EmulatorCustomer[];
  codes: {
    code: string;
    clientId: string;
    customerId: number;
    scopes: string[];
    expiresAt: number;
    status: 'live' | 'used' | 'expired';
  }[];
  tokens: {
    kind: 'access' | 'refresh';
    token: string;
    family: number;
    clientId: string;
    customerId: number;
    scopes: string[];
    expiresAt: number;
  }[];
  families: { id: number; clientId: string; customerId: number; scopes: string[]; revoked: string | null }[];
}

export interface EmulatorState {
  addApp(app: EmulatorApp): void;
  getApp(clientId: string): EmulatorApp | undefined;
  addCustomer(customer: EmulatorCustomer): void;
  /** Throws invalid_request for an unknown customer id. */
  requireCustomer(id: number): void;
  hasCustomer(id: number): boolean;
  issueAuthCode(input: IssueAuthCodeInput): AuthCodeAnswer;
  exchangeCode(clientId: string, code: string): Grant;
  /** A refresh always rotates: its grant carries the next refresh token. */
  refresh(clientId: string, refreshToken: string): Grant & { refreshToken: string };
  /** Token info for /oauth/me: the token must belong to the calling app. */
  tokenInfo(clientId: string, accessToken: string): TokenInfo;
  /** Open API bearer check: any app's live access token. Rejections carry 401/403. */
  bearer(accessToken: string | undefined, requiredScope: string): TokenInfo;
  /** Revokes every live token family of a customer and/or app (the user withdrawing consent). */
  revokeTokens(filter: { clientId?: string; customerId?: number }): number;
  /** Credentials masked: safe for the state page. */
  snapshot(): StateSnapshot;
}

const PRUNE_EVERY = 256;

export function createState(o: {
  clock: Clock;
  lifetimes: Lifetimes;
  apps: EmulatorApp[];
  customers: EmulatorCustomer[];
}): EmulatorState {
  const { clock, lifetimes } = o;
  const apps = new Map<string, EmulatorApp>();
  const customers = new Map<number, EmulatorCustomer>();
  const codes = new Map<string, AuthCodeRecord>();
  const families = new Map<number, TokenFamily>();
  const accessTokens = new Map<string, AccessTokenRecord>();
  const refreshTokens = new Map<string, RefreshTokenRecord>();
  let nextFamilyId = 1;
  let mutations = 0;

  function addApp(app: EmulatorApp): void {
    if (app.clientId.length === 0 || app.clientSecret.length === 0) {
      throw new TypeError('tiki-emulator: an app needs a non-empty clientId and clientSecret');
    }
    apps.set(app.clientId, { ...app, allowedScopes: [...app.allowedScopes] });
  }

  function addCustomer(customer: EmulatorCustomer): void {
    if (!Number.isSafeInteger(customer.id) || customer.id <= 0) {
      throw new TypeError('tiki-emulator: a customer id is a positive integer');
    }
    customers.set(customer.id, { ...customer });
  }

  for (const app of o.apps) addApp(app);
  for (const customer of o.customers) addCustomer(customer);

  /** Pruning walks every map, so it runs after a number of mutations that grows with them: O(1) amortized. */
  function afterMutation(): void {
    mutations += 1;
    const size = codes.size + accessTokens.size + refreshTokens.size;
    if (mutations >= Math.max(PRUNE_EVERY, size / 2)) {
      mutations = 0;
      prune();
    }
  }

  /** Forgets what can never be live again, so that a long load run does not grow memory without bound. */
  function prune(): void {
    const now = clock.now();
    for (const [id, family] of families) if (now > family.horizon) families.delete(id);
    for (const [code, record] of codes) {
      const forgettable =
        record.usedAt === null
          ? now >= record.expiresAt
          : record.familyId === null || !families.has(record.familyId);
      if (forgettable) codes.delete(code);
    }
    for (const [token, record] of accessTokens) {
      if (now >= record.expiresAt || !families.has(record.familyId)) accessTokens.delete(token);
    }
    for (const [token, record] of refreshTokens) {
      if (now >= record.expiresAt || !families.has(record.familyId)) refreshTokens.delete(token);
    }
  }

  function requireCustomer(id: number): void {
    if (!customers.has(id)) throw new TikiRejection('invalid_request', `unknown customer id ${id}`);
  }

  function issueAuthCode(input: IssueAuthCodeInput): AuthCodeAnswer {
    const app = apps.get(input.clientId);
    if (app === undefined)
      throw new TikiRejection(TIKI_ERROR_REASONS.invalidClient, `unknown client id "${input.clientId}"`);
    const customerId = input.customerId ?? DEFAULT_CUSTOMER_ID;
    requireCustomer(customerId);
    const denied = new Set(input.deny ?? []);
    const notAllowed = new Set(input.notAllowed ?? []);
    const authSuccessScopes: string[] = [];
    const authErrorScopes: Record<string, '1' | '2'> = {};
    for (const scope of new Set(input.scopes ?? [])) {
      if (!app.allowedScopes.includes(scope) || notAllowed.has(scope)) authErrorScopes[scope] = '1';
      else if (denied.has(scope)) authErrorScopes[scope] = '2';
      else authSuccessScopes.push(scope);
    }
    const now = clock.now();
    const code = generateAuthCode();
    codes.set(code, {
      code,
      clientId: app.clientId,
      customerId,
      scopes: authSuccessScopes,
      issuedAt: now,
      expiresAt: now + lifetimes.authCodeMs,
      usedAt: null,
      familyId: null,
    });
    afterMutation();
    return { authCode: code, authSuccessScopes: [...authSuccessScopes], authErrorScopes };
  }

  function revokeFamily(familyId: number | null, because: string): void {
    if (familyId === null) return;
    const family = families.get(familyId);
    if (family === undefined || family.revokedAt !== null) return;
    family.revokedAt = clock.now();
    family.revokedBecause = because;
  }

  function issueTokens(family: TokenFamily, now: number): Grant {
    const accessToken = generateToken();
    accessTokens.set(accessToken, {
      token: accessToken,
      familyId: family.id,
      issuedAt: now,
      expiresAt: now + lifetimes.accessTokenMs,
    });
    family.horizon = Math.max(family.horizon, now + lifetimes.accessTokenMs);
    let refreshToken: string | null = null;
    if (family.scopes.includes(TIKI_SCOPES.offline)) {
      refreshToken = generateToken();
      refreshTokens.set(refreshToken, {
        token: refreshToken,
        familyId: family.id,
        issuedAt: now,
        expiresAt: now + lifetimes.refreshTokenMs,
        rotatedAt: null,
      });
      family.horizon = Math.max(family.horizon, now + lifetimes.refreshTokenMs);
    }
    const customer = customerOf(family.customerId);
    afterMutation();
    return {
      accessToken,
      refreshToken,
      expiresIn: Math.floor(lifetimes.accessTokenMs / 1000),
      scopes: [...family.scopes],
      customer: { id: customer.id, name: customer.name },
    };
  }

  function customerOf(id: number): EmulatorCustomer {
    const customer = customers.get(id);
    // Customers are never removed, so a code or token always names a known one.
    if (customer === undefined) throw new Error(`tiki-emulator: customer ${id} vanished`);
    return customer;
  }

  function exchangeCode(clientId: string, code: string): Grant {
    const record = codes.get(code);
    if (record === undefined)
      throw new TikiRejection(TIKI_ERROR_REASONS.invalidCode, 'invalid auth code: unknown code');
    if (record.clientId !== clientId) {
      throw new TikiRejection(TIKI_ERROR_REASONS.invalidCode, 'invalid auth code: issued to another app');
    }
    if (record.usedAt !== null) {
      revokeFamily(record.familyId, 'auth code reused');
      throw new TikiRejection(
        TIKI_ERROR_REASONS.invalidCode,
        'invalid auth code: already used; every token issued from it is now revoked',
      );
    }
    const now = clock.now();
    if (now >= record.expiresAt)
      throw new TikiRejection(TIKI_ERROR_REASONS.invalidCode, 'invalid auth code: expired');
    const family: TokenFamily = {
      id: nextFamilyId++,
      code,
      clientId,
      customerId: record.customerId,
      scopes: [...record.scopes],
      createdAt: now,
      revokedAt: null,
      revokedBecause: null,
      horizon: record.expiresAt,
    };
    families.set(family.id, family);
    record.usedAt = now;
    record.familyId = family.id;
    return issueTokens(family, now);
  }

  function refresh(clientId: string, refreshToken: string): Grant & { refreshToken: string } {
    const record = refreshTokens.get(refreshToken);
    const family = record === undefined ? undefined : families.get(record.familyId);
    if (record === undefined || family === undefined) {
      throw new TikiRejection(TIKI_ERROR_REASONS.invalidToken, 'invalid refresh token: unknown token');
    }
    if (family.clientId !== clientId) {
      throw new TikiRejection(
        TIKI_ERROR_REASONS.invalidToken,
        'invalid refresh token: issued to another app',
      );
    }
    if (family.revokedAt !== null) {
      throw new TikiRejection(
        TIKI_ERROR_REASONS.invalidToken,
        `invalid refresh token: revoked (${family.revokedBecause})`,
      );
    }
    if (record.rotatedAt !== null) {
      revokeFamily(family.id, 'rotated refresh token reused');
      throw new TikiRejection(
        TIKI_ERROR_REASONS.invalidToken,
        'invalid refresh token: already used; every token of its family is now revoked',
      );
    }
    const now = clock.now();
    if (now >= record.expiresAt)
      throw new TikiRejection(TIKI_ERROR_REASONS.invalidToken, 'invalid refresh token: expired');
    record.rotatedAt = now;
    const grant = issueTokens(family, now);
    // Only a family granted `offline` ever held a refresh token, so its next grant has one too.
    if (grant.refreshToken === null)
      throw new Error('tiki-emulator: a refreshed family lost its offline scope');
    return { ...grant, refreshToken: grant.refreshToken };
  }

  /** The live access token's family, or the reason it is not live. */
  function liveAccess(accessToken: string): { family: TokenFamily } | { problem: string } {
    const record = accessTokens.get(accessToken);
    const family = record === undefined ? undefined : families.get(record.familyId);
    if (record === undefined || family === undefined) return { problem: 'unknown token' };
    if (family.revokedAt !== null) return { problem: `revoked (${family.revokedBecause})` };
    if (clock.now() >= record.expiresAt) return { problem: 'expired' };
    return { family };
  }

  function tokenInfo(clientId: string, accessToken: string): TokenInfo {
    const live = liveAccess(accessToken);
    if ('problem' in live)
      throw new TikiRejection(TIKI_ERROR_REASONS.invalidToken, `invalid access token: ${live.problem}`);
    if (live.family.clientId !== clientId) {
      throw new TikiRejection(TIKI_ERROR_REASONS.invalidToken, 'invalid access token: issued to another app');
    }
    return { customer: { ...customerOf(live.family.customerId) }, scopes: [...live.family.scopes] };
  }

  function bearer(accessToken: string | undefined, requiredScope: string): TokenInfo {
    if (accessToken === undefined) {
      throw new TikiRejection(
        TIKI_ERROR_REASONS.invalidToken,
        'missing access token: send Authorization: Bearer <token>',
        401,
      );
    }
    const live = liveAccess(accessToken);
    if ('problem' in live)
      throw new TikiRejection(TIKI_ERROR_REASONS.invalidToken, `invalid access token: ${live.problem}`, 401);
    if (!live.family.scopes.includes(requiredScope)) {
      throw new TikiRejection(
        TIKI_ERROR_REASONS.scopeMissing,
        `the access token lacks the scope "${requiredScope}"`,
        403,
      );
    }
    return { customer: { ...customerOf(live.family.customerId) }, scopes: [...live.family.scopes] };
  }

  function revokeTokens(filter: { clientId?: string; customerId?: number }): number {
    let revoked = 0;
    for (const family of families.values()) {
      if (family.revokedAt !== null) continue;
      if (filter.clientId !== undefined && family.clientId !== filter.clientId) continue;
      if (filter.customerId !== undefined && family.customerId !== filter.customerId) continue;
      revokeFamily(family.id, 'revoked by the emulator controls');
      revoked += 1;
    }
    return revoked;
  }

  function snapshot(): StateSnapshot {
    const now = clock.now();
    const liveFamily = (id: number): TokenFamily | undefined => {
      const family = families.get(id);
      return family !== undefined && family.revokedAt === null ? family : undefined;
    };
    const tokens: StateSnapshot['tokens'] = [];
    for (const record of accessTokens.values()) {
      const family = liveFamily(record.familyId);
      if (family === undefined || now >= record.expiresAt) continue;
      tokens.push(tokenRow('access', record, family));
    }
    for (const record of refreshTokens.values()) {
      const family = liveFamily(record.familyId);
      if (family === undefined || now >= record.expiresAt || record.rotatedAt !== null) continue;
      tokens.push(tokenRow('refresh', record, family));
    }
    return {
      now,
      lifetimes: { ...lifetimes },
      apps: [...apps.values()].map((app) => ({
        clientId: app.clientId,
        name: app.name ?? null,
        allowedScopes: [...app.allowedScopes],
      })),
      customers: [...customers.values()].map((customer) => ({ ...customer })),
      codes: [...codes.values()].map((record) => ({
        code: maskCredential(record.code),
        clientId: record.clientId,
        customerId: record.customerId,
        scopes: [...record.scopes],
        expiresAt: record.expiresAt,
        status: record.usedAt !== null ? 'used' : now >= record.expiresAt ? 'expired' : 'live',
      })),
      tokens,
      families: [...families.values()].map((family) => ({
        id: family.id,
        clientId: family.clientId,
        customerId: family.customerId,
        scopes: [...family.scopes],
        revoked: family.revokedBecause,
      })),
    };
  }

  function tokenRow(
    kind: 'access' | 'refresh',
    record: AccessTokenRecord | RefreshTokenRecord,
    family: TokenFamily,
  ): StateSnapshot['tokens'][number] {
    return {
      kind,
      token: maskCredential(record.token),
      family: family.id,
      clientId: family.clientId,
      customerId: family.customerId,
      scopes: [...family.scopes],
      expiresAt: record.expiresAt,
    };
  }

  return {
    addApp,
    getApp: (clientId) => apps.get(clientId),
    addCustomer,
    requireCustomer,
    hasCustomer: (id) => customers.has(id),
    issueAuthCode,
    exchangeCode,
    refresh,
    tokenInfo,
    bearer,
    revokeTokens,
    snapshot,
  };
}
