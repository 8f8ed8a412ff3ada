import type { RequestHandler, Response } from 'express';
import type { Sessions } from '../sessions.ts';
import { bearerToken } from '../sessions.ts';
import type { SessionRecord } from '../store/store.ts';

/** Requires a live session (`Authorization: Bearer <token>`); puts it in res.locals.session. */
export function authenticate(sessions: Sessions): RequestHandler {
  return async (req, res, next) => {
    res.locals.session = await sessions.authenticate(bearerToken(req.headers.authorization));
    next();
  };
}

export function sessionOf(res: Response): SessionRecord {
  return res.locals.session as SessionRecord;
}
