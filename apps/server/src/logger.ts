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
 * What a line whose fields are picked by the code that writes it redacts: the request log line (one per
 * request, see http/request-logging.ts: method, path without query, address, status, timing, request id) and
 * the login's line (request id, user id, scopes). None of those fields can hold a secret; only an error attached
 * to the line can, so only `err` and what hangs below it are redacted. The wildcard paths above are interpreted
 * on every line: about 38 µs for a one-line login audit, 49 µs with the request's child logger, against 2.5 µs
 * without them (measured on the bench machine), and a fifth of the CPU of GET /api/me. The hot lines do
 * without them.
 */
export const PICKED_FIELDS_REDACT_PATHS = SECRET_KEYS.flatMap((key) => [
  `err["${key}"]`,
  `err.*["${key}"]`,
  `err.*.*["${key}"]`,
]);

/**
 * A logger for lines whose fields are picked where they are written (never an object from elsewhere): same
 * destination, level and bindings, redaction under `err` only. Everything else logs through the fully
 * redacting logger.
 */
export function pickedFieldsLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: PICKED_FIELDS_REDACT_PATHS, censor: CENSOR } });
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
