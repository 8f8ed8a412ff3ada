/**
 * The check `pnpm dev` makes before it starts a watcher: a busy port must stop it within seconds, with one line
 * naming the port and the variable that moves it, instead of a stack trace under a watcher that stays alive
 * while another process answers on that port.
 */
import { createServer } from 'node:net';

export interface PortToCheck {
  /** e.g. 'server' or 'tiki-emulator': who could not start. */
  what: string;
  host: string;
  port: number;
  /** The variables that move it, e.g. { port: 'PORT', host: 'HOST' }. */
  variables: { port: string; host: string };
}

/** Resolves null when the port can be listened on, else the one line to print. */
export async function busyPortMessage(p: PortToCheck): Promise<string | null> {
  if (p.port === 0) return null;
  const probe = createServer();
  const failure = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    probe.listen(p.port, p.host, () => resolve(null));
  });
  if (failure === null) {
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return null;
  }
  const where = `${p.host}:${p.port}`;
  return failure.code === 'EADDRINUSE'
    ? `${p.what}: ${where} is already in use (another pnpm dev?); stop it or set ${p.variables.port} to a free port`
    : `${p.what}: cannot listen on ${where} (${failure.code ?? failure.message}); check ${p.variables.host}`;
}

/** The preflight's whole job: on a busy port, the one line on stderr and exit 1 (turbo then stops `pnpm dev`). */
export async function exitIfPortBusy(p: PortToCheck): Promise<void> {
  const busy = await busyPortMessage(p);
  if (busy === null) return;
  console.error(busy);
  process.exit(1);
}
