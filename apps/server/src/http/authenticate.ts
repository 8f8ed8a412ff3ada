import type { RequestHandler, Response } from 'express';
import type { Sessions } from '../auth/sessions.ts';
import type { SessionReadOptions, SessionWithUser } from '../store/store.ts';
import { bearerToken } from './bearer.ts';

/**
 * Requires a live session (`Authorization: Bearer <token>`); puts it, with its user (and with `withTokens`, the
 * user's sealed Tiki tokens, for a route that calls Tiki), in res.locals.session.
 */
export function authenticate(sessions: Sessions, read?: SessionReadOptions): RequestHandler {
  return (req, res, next) => {
    // A refusal thrown here reaches the error handler through Express; one from a promise through next(err).
    const session = sessions.authenticate(bearerToken(req.headers.authorization), read);
    if (session instanceof Promise) {
      session.then((found) => {
        res.locals.session = found;
        next();
      }, next);
      return;
    }
    res.locals.session = session;
    next();
  };
}

export function sessionOf(res: Response): SessionWithUser {
  return res.locals.session as SessionWithUser;
}
