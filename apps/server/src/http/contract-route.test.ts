import { ROUTES } from '@tini-starter/api-contract/auth';
import { describe, expect, it } from 'vitest';
import { contractRouter } from './contract-route.ts';

describe('routers made from the API contract', () => {
  it('mount at their routes’ common prefix, so that other requests skip them on one check', () => {
    expect(contractRouter([ROUTES.login, ROUTES.logout]).mountPath).toBe('/api/auth');
    expect(contractRouter([ROUTES.me, ROUTES.profile]).mountPath).toBe('/api');
    expect(contractRouter([ROUTES.healthz, ROUTES.readyz]).mountPath).toBe('/');
    expect(contractRouter([ROUTES.me]).mountPath).toBe('/api');
  });

  it('refuse a route they were not made for, which their mount path might not cover', () => {
    const routes = contractRouter([ROUTES.me, ROUTES.profile]);
    expect(() => routes.on(ROUTES.healthz, (_req, res) => res.end())).toThrow(/\/healthz is not a route/);
  });
});
