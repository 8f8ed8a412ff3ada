import type { RequestHandler, Response } from 'express';
import type { Sessions } from '../auth/sessions.ts';
import type { SessionReadOptions, SessionWithUser } from '../store/store.ts';
import { bearerToken } from './bearer.ts';

/**
 * Requires a live session (`Authorization: Bearer <token>`); puts it, with its user (and with `withTokens`, the
 * user's sealed Tiki tokens, for a route that calls Tiki), in res.locals.session.
 */
export function authenticate(sessions: Sessions, read?: SessionReadOptions): RequestHandler {
  return async (req, res, next) => {
    res.locals.session = await sessions.authenticate(bearerToken(req.headers.authorization), read);
    next();
  };
}

export function sessionOf(res: Response): SessionWithUser {
  return res.locals.session as SessionWithUser;
}
