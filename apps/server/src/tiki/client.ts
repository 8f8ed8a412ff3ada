/** The platform client, configured from our Config: the server never signs or calls Tiki by itself. */
import { createTikiClient, type OnAttempt, type TikiClient } from '@tini-starter/tiki-platform/client';
import type { Clock } from '@tini-starter/tiki-platform/clock';
import type { Config } from '../config.ts';

export function createTikiClientFromConfig(
  config: Config,
  o: { clock: Clock; fetch?: typeof fetch; onAttempt?: OnAttempt },
): TikiClient {
  const t = config.tiki;
  return createTikiClient({
    clientId: t.clientId,
    clientSecret: t.clientSecret,
    restBaseUrl: t.restBaseUrl,
    graphqlUrl: t.graphqlUrl,
    openApiBaseUrl: t.openApiBaseUrl,
    transport: t.transport,
    timeoutMs: t.timeoutMs,
    readRetries: t.readRetries,
    clock: o.clock,
    ...(o.fetch ? { fetch: o.fetch } : {}),
    ...(o.onAttempt ? { onAttempt: o.onAttempt } : {}),
  });
}
