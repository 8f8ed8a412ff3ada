import type { RequestHandler } from 'express';

/** Sessions and anything derived from them must never sit in a shared or browser cache. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};
