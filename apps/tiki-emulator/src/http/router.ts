import { Router } from 'express';

/**
 * Paths match exactly, as they would on Tiki: Express by default also accepts `/OAUTH/ME` and `/oauth/me/`, so a
 * client with a wrong path would pass here and fail there.
 */
export function exactRouter(): Router {
  return Router({ caseSensitive: true, strict: true });
}
