import { type CustomerProfile, TIKI_ERROR_REASONS, TIKI_PATHS } from '@tini-starter/tiki-platform/schemas';
import { TIKI_SCOPES } from '@tini-starter/tiki-platform/scopes';
import type { Request, Router } from 'express';
import { type FaultedRouteDeps, faultedRoute, type Outcome } from '../controls/faulted-route.ts';
import { contextOf } from '../http/request-context.ts';
import { exactRouter } from '../http/router.ts';
import type { EmulatorState } from '../state/state.ts';
import { envelopeOf, TikiRejection } from './rejection.ts';

export interface OpenApiRouteDeps extends FaultedRouteDeps {
  state: EmulatorState;
}

/**
 * Tiki does not document Open API error bodies. The emulator answers the Platform API's envelope
 * (`{ data: null, error: { code, reason, message } }`) with the HTTP status as `code`, plus RFC 6750's
 * WWW-Authenticate header: 401 reason `invalid_token` (missing, unknown, expired or revoked token),
 * 403 reason `scope_missing` (the token lacks `user_profile`).
 */
function openApiRejection(rejection: TikiRejection): Outcome {
  const headers: Record<string, string> = {};
  if (rejection.status === 401) {
    headers['www-authenticate'] = `Bearer realm="tiki", error="invalid_token"`;
  } else if (rejection.status === 403) {
    headers['www-authenticate'] =
      `Bearer realm="tiki", error="insufficient_scope", scope="${TIKI_SCOPES.userProfile}"`;
  }
  return { status: rejection.status, body: envelopeOf(rejection), headers };
}

function bearerToken(req: Request): string | undefined {
  const header = req.get('authorization');
  if (header === undefined || header.trim() === '') return undefined;
  const match = /^Bearer +([^\s]+)\s*$/i.exec(header);
  if (match?.[1] === undefined) {
    throw new TikiRejection(
      TIKI_ERROR_REASONS.invalidToken,
      'the Authorization header must be "Bearer <access token>"',
      401,
    );
  }
  return match[1];
}

/** GET /ecom/v1/customers/profile: the customer behind a live access token that has `user_profile`. */
export function openApiRoutes(deps: OpenApiRouteDeps): Router {
  const router = exactRouter();
  router.get(
    TIKI_PATHS.profile,
    (_req, res, next) => {
      const context = contextOf(res);
      context.route = 'profile';
      context.operation = 'profile';
      next();
    },
    faultedRoute(
      deps,
      'profile',
      (req) => {
        const { customer } = deps.state.bearer(bearerToken(req), TIKI_SCOPES.userProfile);
        return { status: 200, body: customer satisfies CustomerProfile };
      },
      openApiRejection,
    ),
  );
  return router;
}
