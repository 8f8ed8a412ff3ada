/**
 * Every answer, into the metrics, as the request log writes its line (http/request-logging.ts: one timer and one
 * listener for both): its route template (set by the contract router; `unmatched` for a path no route has),
 * method, status class and time. A login's answer also counts as its outcome, and an IPN's as what became of it
 * (set by routes/ipn.ts, or read from its error code).
 */
import { ROUTES } from '@tini-starter/api-contract/auth';
import type { ErrorCode } from '@tini-starter/api-contract/errors';
import type { Response } from 'express';
import type { IpnAnswer, LoginOutcome, Metrics } from '../metrics/metrics.ts';
import type { IpnOutcome } from '../payments/ipn.ts';
import type { OnAnswered } from './request-logging.ts';

export function measureAnswers(metrics: Metrics): OnAnswered {
  return (req, res, seconds) => {
    const { locals } = res as Response;
    const route = (locals.route as string | undefined) ?? 'unmatched';
    metrics.httpRequest({ route, method: req.method ?? 'GET', status: res.statusCode, seconds });
    const code = locals.errorCode as ErrorCode | undefined;
    if (route === ROUTES.login.path) metrics.login(loginOutcomeOf(code));
    else if (route === ROUTES.tikiIpn.path) {
      metrics.ipn(ipnAnswerOf(locals.ipnOutcome as IpnOutcome['kind'] | undefined, code, res.statusCode));
    }
  };
}

/**
 * What an IPN's answer counts as: the receiver's outcome when it answered 2xx, else what the error code says
 * (a signature that does not verify, a message refused as not ours or malformed, or a failure Tiki retries).
 */
export function ipnAnswerOf(
  received: IpnOutcome['kind'] | undefined,
  code: ErrorCode | undefined,
  status: number,
): IpnAnswer {
  if (code === 'invalid_signature') return 'bad_signature';
  if (status >= 500) return 'error';
  if (code !== undefined || received === undefined || received === 'unknown_order') return 'refused';
  return received;
}

/** The login outcome an answer stands for: its error code, or ok. */
export function loginOutcomeOf(code: ErrorCode | undefined): LoginOutcome {
  switch (code) {
    case undefined:
      return 'ok';
    case 'invalid_auth_code':
      return 'invalid_code';
    case 'rate_limited':
    case 'upstream_unavailable':
      return code;
    default:
      return 'error';
  }
}
