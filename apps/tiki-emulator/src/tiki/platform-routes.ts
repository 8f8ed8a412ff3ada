import type { Clock } from '@tini-starter/tiki-platform/clock';
import {
  ExchangeCodeRequestSchema,
  type RefreshGrant,
  RefreshTokenRequestSchema,
  TIKI_PATHS,
  type TokenGrant,
  type TokenInfo,
  TokenInfoRequestSchema,
} from '@tini-starter/tiki-platform/schemas';
import type { Request, Router } from 'express';
import { type FaultedRouteDeps, faultedRoute, type Outcome } from '../controls/faulted-route.ts';
import type { Operation } from '../controls/request-log.ts';
import { parseJsonBody, readRawBody } from '../http/json-body.ts';
import { contextOf, type RequestContext } from '../http/request-context.ts';
import { exactRouter } from '../http/router.ts';
import type { EmulatorState } from '../state/state.ts';
import { envelopeOf, type TikiRejection } from './rejection.ts';
import { verifiedPost } from './signed-request.ts';

/** Tiki's REST base path: only the origin differs from https://api.tiki.vn/tiniapp-open-api. */
export const REST_BASE_PATH = '/tiniapp-open-api';

export interface PlatformRouteDeps extends FaultedRouteDeps {
  state: EmulatorState;
  signatureClock: Clock;
  signatureWindowMs: number;
}

function restRejection(rejection: TikiRejection): Outcome {
  return { status: rejection.status, body: envelopeOf(rejection) };
}

function ok(data: unknown): Outcome {
  return { status: 200, body: { data, error: null } };
}

/** POST /oauth/auth/token, /oauth/auth/token/refresh, /oauth/me: signed, verified over the raw body. */
export function platformRoutes(deps: PlatformRouteDeps): Router {
  const { state } = deps;
  const router = exactRouter();

  const check = {
    getApp: state.getApp,
    now: () => deps.signatureClock.now(),
    windowMs: deps.signatureWindowMs,
  };
  function signedBody(req: Request, context: RequestContext): { clientId: string; raw: Buffer } {
    const { app, raw } = verifiedPost(req, context, check);
    return { clientId: app.clientId, raw };
  }

  function post(
    path: string,
    operation: Extract<Operation, 'token' | 'refresh' | 'me'>,
    handle: (req: Request, context: RequestContext) => Outcome,
  ): void {
    router.post(
      path,
      (_req, res, next) => {
        const context = contextOf(res);
        context.route = operation;
        context.operation = operation;
        next();
      },
      readRawBody,
      faultedRoute(deps, operation, handle, restRejection),
    );
  }

  post(TIKI_PATHS.token, 'token', (req, context) => {
    const { clientId, raw } = signedBody(req, context);
    const { code } = parseJsonBody(raw, ExchangeCodeRequestSchema);
    const grant = state.exchangeCode(clientId, code);
    return ok({
      access_token: grant.accessToken,
      ...(grant.refreshToken === null ? {} : { refresh_token: grant.refreshToken }),
      expires_in: grant.expiresIn,
      scopes: grant.scopes,
      token_type: 'bearer',
      customer: grant.customer,
    } satisfies TokenGrant);
  });

  post(TIKI_PATHS.refresh, 'refresh', (req, context) => {
    const { clientId, raw } = signedBody(req, context);
    const { refresh_token } = parseJsonBody(raw, RefreshTokenRequestSchema);
    const grant = state.refresh(clientId, refresh_token);
    return ok({
      access_token: grant.accessToken,
      refresh_token: grant.refreshToken,
      expires_in: grant.expiresIn,
      scopes: grant.scopes,
      token_type: 'bearer',
    } satisfies RefreshGrant);
  });

  post(TIKI_PATHS.me, 'me', (req, context) => {
    const { clientId, raw } = signedBody(req, context);
    const { access_token } = parseJsonBody(raw, TokenInfoRequestSchema);
    const info = state.tokenInfo(clientId, access_token);
    return ok({
      customer_id: info.customer.id,
      customer_name: info.customer.name,
      scopes: info.scopes,
    } satisfies TokenInfo);
  });

  return router;
}
