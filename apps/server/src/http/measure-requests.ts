/**
 * Every answered request, into the metrics: its route template (set by the contract router; `unmatched` for a
 * path no route has), method, status class and time. A login's answer also counts as its outcome.
 */
import { ROUTES } from '@tini-starter/api-contract/auth';
import type { ErrorCode } from '@tini-starter/api-contract/errors';
import type { RequestHandler } from 'express';
import { loginOutcomeOf, type Metrics } from '../metrics/metrics.ts';

export function measureRequests(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const startedAt = process.hrtime.bigint();
    res.once('finish', () => {
      const route = (res.locals.route as string | undefined) ?? 'unmatched';
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      metrics.httpRequest({ route, method: req.method, status: res.statusCode, seconds });
      if (route === ROUTES.login.path) {
        metrics.login(loginOutcomeOf(res.locals.errorCode as ErrorCode | undefined));
      }
    });
    next();
  };
}
