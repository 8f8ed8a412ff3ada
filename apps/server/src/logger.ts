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
  const pretty = o.pretty ? prettyStream(o.destination) : null;
  if (pretty) return pino(options, pretty);
  if (o.destination) return pino(options, o.destination);
  // pino's own stdout stream is already asynchronous (sonic-boom, sync: false): lines queued while a write is in
  // flight go out together in the next write, and what is queued is written synchronously when the process
  // exits. A profile of GET /api/me under load puts these writes at 0.3% of the busy time (the `writev` that
  // tops it is the HTTP responses), so there is nothing to gain from buffering more.
  return pino(options);
}

/**
 * Development lines that fit on one line each: the time, the level, the message, then the fields as compact
 * JSON (a request line is `request completed {"reqId":…,"req":{…},"res":{"statusCode":200},"responseTime":3}`).
 * pino-pretty is a devDependency: where it is not installed, lines stay JSON.
 */
function prettyStream(destination: DestinationStream | undefined): DestinationStream | null {
  let build: (options: Record<string, unknown>) => DestinationStream;
  try {
    build = createRequire(import.meta.url)('pino-pretty') as typeof build;
  } catch {
    return null;
  }
  return build({
    colorize: destination === undefined && process.stdout.isTTY === true,
    singleLine: true,
    ignore: 'pid,hostname',
    translateTime: 'SYS:HH:MM:ss.l',
    destination: destination ?? 1,
  });
}
