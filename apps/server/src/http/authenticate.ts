import type { RequestHandler, Response } from 'express';
import type { Sessions } from '../auth/sessions.ts';
import type { SessionWithUser } from '../store/store.ts';
import { bearerToken } from './bearer.ts';

/** Requires a live session (`Authorization: Bearer <token>`); puts it, with its user, in res.locals.session. */
export function authenticate(sessions: Sessions): RequestHandler {
  return async (req, res, next) => {
    res.locals.session = await sessions.authenticate(bearerToken(req.headers.authorization));
    next();
  };
}

export function sessionOf(res: Response): SessionWithUser {
  return res.locals.session as SessionWithUser;
}
