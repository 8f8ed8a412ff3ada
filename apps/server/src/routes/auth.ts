/** POST /api/auth/login and POST /api/auth/logout. */
import { LoginRequestSchema, type LoginResponse, ROUTES } from '@tini-starter/api-contract/auth';
import express, { type RequestHandler } from 'express';
import type { Caller, LoginResult } from '../auth/login.ts';
import type { Sessions } from '../auth/sessions.ts';
import { ApiError, invalidBody } from '../http/api-error.ts';
import { authenticate, sessionOf } from '../http/authenticate.ts';
import { type ContractRouter, contractRouter } from '../http/contract-route.ts';
import { attemptTakenBack, countedAttempt, limitRequests, type SharedLimits } from '../http/rate-limit.ts';
import { RequestCaller } from '../http/request-caller.ts';

const LOGIN_LIMITER = 'login';

export interface AuthRoutesOptions {
  login: (authCode: string, caller: Caller) => Promise<LoginResult>;
  sessions: Sessions;
  bodyLimitBytes: number;
  rateLimit: { max: number; windowMs: number };
  /** Where the limits are counted (the store, shared by every process). */
  limits: SharedLimits;
}

/** JSON only: a body of another type is 415; an empty body goes on to be refused as invalid_request (400). */
const requireJson: RequestHandler = (req, _res, next) => {
  const empty = req.headers['content-length'] === '0' && req.headers['transfer-encoding'] === undefined;
  if (!empty && req.is('application/json') === false) {
    throw new ApiError('unsupported_media_type', 'Send the body as application/json');
  }
  next();
};

export function authRoutes(o: AuthRoutesOptions): ContractRouter {
  const routes = contractRouter([ROUTES.login, ROUTES.logout]);
  const loginLimiter = limitRequests({
    name: LOGIN_LIMITER,
    shared: o.limits,
    ...o.rateLimit,
    message: 'Too many failed login attempts; try again later',
    // Only failures count (any 4xx/5xx: malformed, refused, Tiki down): behind carrier-grade NAT many users
    // share one address, and their successful logins must not lock each other out.
    failuresOnly: true,
  });

  routes.on(
    ROUTES.login,
    loginLimiter,
    requireJson,
    express.json({ limit: o.bodyLimitBytes, type: 'application/json', strict: true }),
    async (req, res) => {
      const parsed = LoginRequestSchema.safeParse(req.body);
      if (!parsed.success) {
        throw invalidBody('The body must be { "authCode": string }', parsed.error.issues);
      }
      const caller = new RequestCaller(req, { countedAttempt: countedAttempt(res, LOGIN_LIMITER) });
      const result = await o.login(parsed.data.authCode, caller);
      if (result.attemptTakenBack) attemptTakenBack(res, LOGIN_LIMITER);
      const body: LoginResponse = {
        token: result.token,
        expiresAt: new Date(result.expiresAt).toISOString(),
        user: { id: result.user.id, tikiCustomerId: result.user.tikiCustomerId, name: result.user.name },
        scopes: result.scopes,
      };
      res.status(200).json(body);
    },
  );

  routes.on(ROUTES.logout, authenticate(o.sessions), async (_req, res) => {
    await o.sessions.close(sessionOf(res));
    res.status(204).end();
  });

  return routes;
}
