/** /healthz: the process answers. /readyz: the store answers too (load balancers route on this one). */
import { ROUTES } from '@tini-starter/api-contract/auth';
import { type ContractRouter, contractRouter } from '../http/contract-route.ts';
import type { Store } from '../store/store.ts';

export function healthRoutes(store: Store): ContractRouter {
  const routes = contractRouter([ROUTES.healthz, ROUTES.readyz]);
  routes.on(ROUTES.healthz, (_req, res) => {
    res.json({ status: 'ok' });
  });
  routes.on(ROUTES.readyz, async (req, res) => {
    try {
      await store.ping();
      res.json({ status: 'ready' });
    } catch (err) {
      req.log.warn({ err }, 'store did not answer the readiness probe');
      res.status(503).json({ status: 'unavailable' });
    }
  });
  return routes;
}
