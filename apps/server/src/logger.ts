/**
 * pino, one logger for every line, with redaction of everything that could carry a credential. The routes never
 * log request bodies and Tiki's errors carry no secrets; redaction is the second line of defence for anything
 * logged by mistake.
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

/**
 * A field named in SECRET_KEYS, at any depth, with a string or number value, as pino writes it. pino's own
 * `redact` interprets wildcard paths on every line, which cost most of a one-line record (the bench's
 * `GET /api/me` and IPN rows); one pass over the finished line costs little, covers every depth, and covers
 * errors as their serializer wrote them. A value that is an object is not censored as a whole: its own fields
 * are, when they carry secret names.
 */
const SECRET_FIELD = new RegExp(
  `"(${SECRET_KEYS.join('|')})":(?:"(?:[^"\\\\]|\\\\.)*"|-?[0-9][0-9.eE+-]*)`,
  'gi',
);

/** Every line, whoever writes it, with the value of every secret-named field replaced by CENSOR. */
export function redactLine(line: string): string {
  return line.replace(SECRET_FIELD, `"$1":"${CENSOR}"`);
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
    hooks: { streamWrite: redactLine },
    base: { pid: process.pid },
  };
  const pretty = o.pretty ? prettyStream(o.destination) : null;
  if (pretty) return pino(options, pretty);
  if (o.destination) return pino(options, o.destination);
  // pino's own stdout stream is already asynchronous (sonic-boom, sync: false): lines queued while a write is in
  // flight go out together in the next write, and what is queued is written synchronously when the process
  // exits. On-CPU profiles of GET /api/me under load show these writes as a sliver of the busy time (the `writev`
  // that tops it is the HTTP responses), so there is nothing to gain from buffering more.
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
