/**
 * Every answer, into the metrics, as the request log writes its line (http/request-logging.ts: one timer and one
 * listener for both): its route template (set by the contract router; `unmatched` for a path no route has),
 * method, status class and time. A login's answer also counts as its outcome.
 */
import { ROUTES } from '@tini-starter/api-contract/auth';
import type { ErrorCode } from '@tini-starter/api-contract/errors';
import type { Response } from 'express';
import { loginOutcomeOf, type Metrics } from '../metrics/metrics.ts';
import type { OnAnswered } from './request-logging.ts';

export function measureAnswers(metrics: Metrics): OnAnswered {
  return (req, res, seconds) => {
    const { locals } = res as Response;
    const route = (locals.route as string | undefined) ?? 'unmatched';
    metrics.httpRequest({ route, method: req.method ?? 'GET', status: res.statusCode, seconds });
    if (route === ROUTES.login.path) metrics.login(loginOutcomeOf(locals.errorCode as ErrorCode | undefined));
  };
}
