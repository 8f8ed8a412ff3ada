/**
 * Routers whose routes come from the API contract (`ROUTES` in @tini-starter/api-contract), method and path
 * both: the mini app calls the same constants, so a renamed route breaks the build, not a user.
 */
import { type RequestHandler, Router } from 'express';

export interface ContractRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
}

export interface ContractRouter {
  /**
   * Where to mount the router: its routes' common path prefix ('/api/auth' for login and logout), so that
   * every other request passes it on one prefix check instead of entering it (a router costs per request).
   */
  readonly mountPath: string;
  readonly router: Router;
  /** Handles one of the routes this router was made for. */
  on(route: ContractRoute, ...handlers: RequestHandler[]): void;
}

export function contractRouter(routes: readonly ContractRoute[]): ContractRouter {
  const mountPath = commonPrefix(routes.map((route) => route.path));
  const router = Router();
  return {
    mountPath: mountPath === '' ? '/' : mountPath,
    router,
    on(route, ...handlers) {
      if (!routes.includes(route)) throw new TypeError(`server: ${route.path} is not a route of this router`);
      const path = route.path.slice(mountPath.length);
      // The contract's template ('/api/orders/:id'), never the path asked for: what metrics label a request by.
      const template: RequestHandler = (_req, res, next) => {
        res.locals.route = route.path;
        next();
      };
      if (route.method === 'GET') router.get(path, template, ...handlers);
      else router.post(path, template, ...handlers);
    },
  };
}

/** The whole path segments every path starts with, short of each path's last segment ('' when none). */
function commonPrefix(paths: readonly string[]): string {
  const split = paths.map((path) => path.split('/'));
  const first = split[0] ?? [''];
  let shared = 0;
  while (split.every((segments) => shared < segments.length - 1 && segments[shared] === first[shared])) {
    shared += 1;
  }
  return first.slice(0, shared).join('/');
}
