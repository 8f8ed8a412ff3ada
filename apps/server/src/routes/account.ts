/**
 * GET /api/me (no Tiki call) and GET /api/profile (Tiki's Open API with the user's stored token, limited per
 * user and cached for a few seconds, so that one user cannot spend the app's Tiki quota).
 */
import { type MeResponse, type ProfileResponse, ROUTES } from '@tini-starter/api-contract/auth';
import type { TikiClient } from '@tini-starter/tiki-platform/client';
import { TIKI_SCOPES } from '@tini-starter/tiki-platform/scopes';
import type { Sessions } from '../auth/sessions.ts';
import { authenticate, sessionOf } from '../http/authenticate.ts';
import { type ContractRouter, contractRouter } from '../http/contract-route.ts';
import { limitTikiCallsPerUser, type SharedLimits } from '../http/rate-limit.ts';
import type { ProfileCache } from '../tiki/profile-cache.ts';
import type { TikiTokenKeeper } from '../tiki/token-keeper.ts';

export function accountRoutes(o: {
  sessions: Sessions;
  keeper: TikiTokenKeeper;
  tiki: TikiClient;
  profiles: ProfileCache;
  /** Requests per user per window to the routes that call Tiki. */
  tikiRouteLimit: { max: number; windowMs: number };
  /** Where the limits are counted (the store, shared by every process). */
  limits: SharedLimits;
}): ContractRouter {
  const routes = contractRouter([ROUTES.me, ROUTES.profile]);
  // Per route, not router.use: an unknown /api path must answer 404, not 401.
  const requireSession = authenticate(o.sessions);
  const perUserTikiLimit = limitTikiCallsPerUser(o.limits, o.tikiRouteLimit);

  routes.on(ROUTES.me, requireSession, (_req, res) => {
    // The session lookup already read the user and the granted scopes (one query).
    const { user, grantedScopes } = sessionOf(res);
    const body: MeResponse = {
      user: { id: user.id, tikiCustomerId: user.tikiCustomerId, name: user.name },
      scopes: grantedScopes ?? [],
    };
    res.json(body);
  });

  // One read for the session and the sealed tokens the Tiki call needs.
  const requireSessionWithTokens = authenticate(o.sessions, { withTokens: true });
  routes.on(ROUTES.profile, requireSessionWithTokens, perUserTikiLimit, async (req, res) => {
    const { userId, grantedScopes, tikiTokens } = sessionOf(res);
    // The tokens came with the session read: one read per request. If a refresh elsewhere made them stale
    // meanwhile, the keeper's generation check finds the newer ones instead of refreshing again.
    const load = () =>
      o.keeper.withAccessToken(
        userId,
        (accessToken) => o.tiki.getCustomerProfile(accessToken, { requestId: req.id }),
        { requireScope: TIKI_SCOPES.userProfile, log: () => req.log, requestId: req.id, stored: tikiTokens },
      );
    // Only a user who granted the scope is served from the cache; the keeper answers scope_missing otherwise.
    const granted = grantedScopes?.includes(TIKI_SCOPES.userProfile) === true;
    const profile = granted ? await o.profiles.get(userId, load) : await load();
    const body: ProfileResponse = { profile };
    res.json(body);
  });

  return routes;
}
