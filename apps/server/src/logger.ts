/**
 * pino, with redaction of everything that could carry a credential. The routes never log request bodies and
 * Tiki's errors carry no secrets; redaction is the second line of defence for anything logged by mistake.
 */
import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';

const SECRET_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'authCode',
  'auth_code',
  'clientSecret',
  'client_secret',
  'secret',
  'signature',
  'password',
  'x-tiniapp-signature',
];

const CENSOR = '[redacted]';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-tiniapp-signature"]',
  'res.headers["set-cookie"]',
  ...SECRET_KEYS.flatMap((key) => [`["${key}"]`, `*["${key}"]`, `*.*["${key}"]`]),
];

/**
 * Fast path for the `pnpm bench` row "GET /api/me" (the plain version: REDACT_PATHS on every line).
 * What the request log line (one per request, see http/request-logging.ts) redacts. Its fields are picked by
 * serializers (method, path without query, address, status, timing, request id) and none can hold a secret;
 * only an error attached to a failed request can, so only `err` and what hangs below it are redacted. The
 * wildcard paths above are interpreted on every line (about 70 µs for this one, against 3 µs for the rest of
 * it): without them the server spends a fifth less CPU per GET /api/me, so the hot line does without them.
 */
export const ACCESS_LINE_REDACT_PATHS = SECRET_KEYS.flatMap((key) => [
  `err["${key}"]`,
  `err.*["${key}"]`,
  `err.*.*["${key}"]`,
]);

/** A logger for the request log line: same destination, level and bindings, redaction under `err` only. */
export function accessLineLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: ACCESS_LINE_REDACT_PATHS, censor: CENSOR } });
}

export interface LoggerOptions {
  level: string;
  /** Human-readable lines (pino-pretty, a devDependency) when installed; JSON otherwise. */
  pretty?: boolean;
  /** Where lines go (tests capture them); stdout by default. */
  destination?: DestinationStream;
}

export function createLogger(o: LoggerOptions): Logger {
  const options = {
    level: o.level,
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    base: { pid: process.pid },
  };
  if (o.destination) return pino(options, o.destination);
  if (o.pretty && isInstalled('pino-pretty')) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  // pino's own stdout stream is already asynchronous (sonic-boom, sync: false): lines queued while a write is in
  // flight go out together in the next write, and what is queued is written synchronously when the process
  // exits. A profile of GET /api/me under load puts these writes at 0.3% of the busy time (the `writev` that
  // tops it is the HTTP responses), so there is nothing to gain from buffering more.
  return pino(options);
}

function isInstalled(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}
