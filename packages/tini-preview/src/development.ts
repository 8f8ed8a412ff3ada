/**
 * The preview where development expects it: on MINIAPP_PREVIEW_HOST and MINIAPP_PREVIEW_PORT (the development
 * origins tiki-platform/dev names for every app), after the same busy-port check `pnpm dev` makes for every
 * port. Used by the mini app's watch build and by `pnpm preview <folder>`.
 */
import { developmentOrigins } from '@tini-starter/tiki-platform/dev';
import { exitIfPortBusy } from '@tini-starter/tiki-platform/dev-port';
import { type Preview, startPreview } from './server.ts';

export async function startDevelopmentPreview(o: {
  /** Who is starting it, for the busy-port line (`miniapp preview`). */
  what: string;
  root: string;
  name: string;
  env: Readonly<Record<string, string | undefined>>;
}): Promise<Preview> {
  const origin = new URL(developmentOrigins(o.env).previewOrigin);
  const host = origin.hostname.replace(/^\[|\]$/g, '');
  const port = Number(origin.port);
  await exitIfPortBusy({
    what: o.what,
    host,
    port,
    variables: { port: 'MINIAPP_PREVIEW_PORT', host: 'MINIAPP_PREVIEW_HOST' },
  });
  return startPreview({ root: o.root, host, port, name: o.name });
}
