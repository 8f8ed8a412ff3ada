import type { RequestHandler } from 'express';
import { envelopeError } from '../tiki/rejection.ts';
import { contextOf } from './request-context.ts';

/**
 * The names a browser on this machine uses for the emulator. Anything else in a Host header is a page that
 * re-bound its own domain name to 127.0.0.1 (DNS rebinding) to drive the controls, which mint auth codes.
 */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

/** The hostname of a Host header ('127.0.0.1:4010' -> '127.0.0.1', '[::1]:4010' -> '[::1]'), lowercased. */
function hostnameOf(host: string | undefined): string | null {
  if (host === undefined || host === '') return null;
  try {
    return new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/** Answers 403 `host_not_allowed` to a request whose Host header names none of `allowed` (any port). */
export function allowOnlyHosts(allowed: readonly string[]): RequestHandler {
  const names = new Set(allowed.map((name) => hostnameOf(name) ?? name.toLowerCase()));
  return (req, res, next) => {
    const hostname = hostnameOf(req.headers.host);
    if (hostname !== null && names.has(hostname)) {
      next();
      return;
    }
    contextOf(res).verdict = 'host_not_allowed';
    res
      .status(403)
      .json(
        envelopeError(
          403,
          'host_not_allowed',
          `the emulator answers only to ${[...names].join(', ')}; add a host with allowedHosts (TIKI_EMULATOR_ALLOWED_HOSTS)`,
        ),
      );
  };
}
