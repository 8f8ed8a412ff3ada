/** GET /api/me (no Tiki call) and GET /api/profile (Tiki's Open API with the user's stored token). */
import { type MeResponse, type ProfileResponse, ROUTES } from '@tini-starter/api-contract/auth';
import type { TikiClient } from '@tini-starter/tiki-platform/client';
import { TIKI_SCOPES } from '@tini-starter/tiki-platform/scopes';
import { Router } from 'express';
import type { Sessions } from '../auth/sessions.ts';
import { authenticate, sessionOf } from '../http/authenticate.ts';
import { mount } from '../http/contract-route.ts';
import type { TikiTokenKeeper } from '../tiki/token-keeper.ts';

export function accountRoutes(o: { sessions: Sessions; keeper: TikiTokenKeeper; tiki: TikiClient }): Router {
  const router = Router();
  // Per route, not router.use: an unknown /api path must answer 404, not 401.
  const requireSession = authenticate(o.sessions);

  mount(router, ROUTES.me, requireSession, (_req, res) => {
    // The session lookup already read the user and the granted scopes (one query).
    const { user, grantedScopes } = sessionOf(res);
    const body: MeResponse = {
      user: { id: user.id, tikiCustomerId: user.tikiCustomerId, name: user.name },
      scopes: grantedScopes ?? [],
    };
    res.json(body);
  });

  mount(router, ROUTES.profile, requireSession, async (req, res) => {
    const profile = await o.keeper.withAccessToken(
      sessionOf(res).userId,
      (accessToken) => o.tiki.getCustomerProfile(accessToken),
      { requireScope: TIKI_SCOPES.userProfile, log: () => req.log },
    );
    const body: ProfileResponse = { profile };
    res.json(body);
  });

  return router;
}
