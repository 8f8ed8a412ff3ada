/** /healthz: the process answers. /readyz: the store answers too (load balancers route on this one). */
import { Router } from 'express';
import type { Store } from '../store/store.ts';

export function healthRoutes(store: Store): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    try {
      await store.ping();
      res.json({ status: 'ready' });
    } catch (err) {
      req.log.warn({ err }, 'store did not answer the readiness probe');
      res.status(503).json({ status: 'unavailable' });
    }
  });
  return router;
}
