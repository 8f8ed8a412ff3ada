/**
 * Mounts handlers at a route of the API contract (`ROUTES` in @tini-starter/api-contract), method and path
 * both taken from it: the mini app calls the same constants, so a renamed route breaks the build, not a user.
 */
import type { RequestHandler, Router } from 'express';

export interface ContractRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
}

export function mount(router: Router, route: ContractRoute, ...handlers: RequestHandler[]): void {
  if (route.method === 'GET') router.get(route.path, ...handlers);
  else router.post(route.path, ...handlers);
}
