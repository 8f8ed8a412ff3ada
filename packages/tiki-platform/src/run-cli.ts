import { parseArgs } from 'node:util';
import { TIKI_HEADERS } from './schemas.ts';
import { canonicalPathAndQuery, type Explanation, explain, explainGraphqlInput } from './signature.ts';

/** Everything the CLI touches, injected so that it runs in-process under test. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  now(): number;
  readFile(path: string): Uint8Array;
}

export const USAGE = `tiki-sign: print the payload, encoded payload and signature Tiki expects.

Usage:
  tiki-sign --key <client key> --body '<raw JSON body>'       [--timestamp <ms>] [--expect <signature>]
  tiki-sign --key <client key> --body-file <file>             [--timestamp <ms>] [--expect <signature>]
  tiki-sign --key <client key> --get '/path?name=value&...'   [--timestamp <ms>] [--expect <signature>]
  tiki-sign --graphql '{"client_id":"...","code":"...","timestamp":1620901354516}' [--expect <signature>]

Options:
  --key <key>          client key (X-Tiniapp-Client-Id); default: env TIKI_CLIENT_ID
  --secret <secret>    client secret; default: env TIKI_CLIENT_SECRET (preferred: keeps it out of shell history)
  --timestamp <ms>     Unix time in milliseconds (13 digits); default: now
  --body <json>        POST body, signed byte for byte as given (spaces and key order matter)
  --body-file <file>   POST body read from a file, signed byte for byte (a trailing newline counts too)
  --get <path?query>   GET path and query without the base URL; query values are re-encoded as
                       encodeURIComponent does (space = %20), which is what Tiki signs
  --graphql <json>     the older GraphQL generation's input fields; the signature covers their JSON with keys
                       sorted (client_id and timestamp are added from --key and --timestamp when absent)
  --expect <sig>       a signature to compare with; exit code 1 when it differs
  -h, --help           this text

Exit codes: 0 signed (and matched --expect), 1 --expect differs, 2 usage error.
`;

class UsageError extends Error {}

const OPTIONS = {
  key: { type: 'string' },
  secret: { type: 'string' },
  timestamp: { type: 'string' },
  body: { type: 'string' },
  'body-file': { type: 'string' },
  get: { type: 'string' },
  graphql: { type: 'string' },
  expect: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>['values'];

export function runCli(argv: readonly string[], io: CliIo): number {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.stdout(USAGE);
      return 0;
    }
    const lines = sign(values, io);
    io.stdout(`${lines.join('\n')}\n`);
    return compareExpected(values.expect, lines, io);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error) || error instanceof RangeError) {
      io.stderr(`tiki-sign: ${stripPrefix((error as Error).message)}\nRun tiki-sign --help for usage.\n`);
      return 2;
    }
    throw error;
  }
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

function stripPrefix(message: string): string {
  return message.replace(/^tiki-platform: /, '');
}

function sign(values: Values, io: CliIo): string[] {
  const modes = (['body', 'body-file', 'get', 'graphql'] as const).filter(
    (mode) => values[mode] !== undefined,
  );
  if (modes.length !== 1) {
    throw new UsageError(
      modes.length === 0
        ? 'say what to sign: --body, --body-file, --get or --graphql'
        : `sign one thing at a time, got --${modes.join(' and --')}`,
    );
  }
  const secret = values.secret ?? io.env.TIKI_CLIENT_SECRET;
  if (!secret) throw new UsageError('no client secret: pass --secret or set TIKI_CLIENT_SECRET');
  const key = values.key ?? io.env.TIKI_CLIENT_ID;
  if (values.graphql !== undefined) return signGraphql(values.graphql, key, secret, values.timestamp, io);
  if (!key) throw new UsageError('no client key: pass --key or set TIKI_CLIENT_ID');
  const timestamp = values.timestamp ?? String(Math.floor(io.now()));
  const credentials = { clientId: key, clientSecret: secret, timestamp };

  if (values.get !== undefined) {
    const { pathAndQuery, notes } = canonicalGet(values.get);
    for (const note of notes) io.stderr(`note: ${note}\n`);
    const explanation = explain({ ...credentials, content: pathAndQuery });
    return [
      `signed path:     ${pathAndQuery}`,
      ...describe(explanation),
      ...headers(credentials, explanation),
    ];
  }
  const body = values.body ?? readBody(values['body-file'] as string, io);
  for (const note of bodyNotes(body)) io.stderr(`note: ${note}\n`);
  const explanation = explain({ ...credentials, content: body });
  return [...describe(explanation), ...headers(credentials, explanation)];
}

function readBody(path: string, io: CliIo): string {
  let bytes: Uint8Array;
  try {
    bytes = io.readFile(path);
  } catch (error) {
    throw new UsageError(`cannot read --body-file ${path}: ${(error as Error).message}`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`--body-file ${path} is not UTF-8 text`);
  }
}

function describe(e: Explanation): string[] {
  return [
    `payload:         ${e.payload}`,
    `encoded payload: ${e.encodedPayload}`,
    `signature:       ${e.signature}`,
  ];
}

function headers(c: { clientId: string; timestamp: string }, e: Explanation): string[] {
  return [
    'headers to send:',
    `  ${titleCase(TIKI_HEADERS.clientId)}: ${c.clientId}`,
    `  ${titleCase(TIKI_HEADERS.timestamp)}: ${c.timestamp}`,
    `  ${titleCase(TIKI_HEADERS.signature)}: ${e.signature}`,
  ];
}

function titleCase(header: string): string {
  return header.replace(
    /(^|-)([a-z])/g,
    (_m, dash: string, letter: string) => `${dash}${letter.toUpperCase()}`,
  );
}

/** Hints for the two classic mismatches: a re-serialized body and a body with a trailing newline. */
function bodyNotes(body: string): string[] {
  let compact: string;
  try {
    compact = JSON.stringify(JSON.parse(body));
  } catch {
    return ['the body is not valid JSON; it is signed anyway, exactly as given'];
  }
  if (compact === body) return [];
  const notes = [
    'the body is not in compact JSON.stringify form; that is fine only if these exact bytes are sent',
  ];
  if (/\n$/.test(body)) notes.push('the body ends with a newline, which is part of what is signed');
  return notes;
}

/**
 * Re-encodes each query key and value as encodeURIComponent does, accepting them raw ("Hà Nội") or already
 * encoded ("H%C3%A0%20N%E1%BB%99i"). Order and repeated keys are kept.
 */
function canonicalGet(input: string): { pathAndQuery: string; notes: string[] } {
  const questionMark = input.indexOf('?');
  const path = questionMark === -1 ? input : input.slice(0, questionMark);
  const query = questionMark === -1 ? '' : input.slice(questionMark + 1);
  if (!path.startsWith('/'))
    throw new UsageError(`--get takes the path without the base URL, starting with "/"`);
  let pathAndQuery = path;
  for (const pair of query.split('&').filter((p) => p !== '')) {
    const equals = pair.indexOf('=');
    const key = decodeLenient(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? '' : decodeLenient(pair.slice(equals + 1));
    pathAndQuery = canonicalPathAndQuery(pathAndQuery, { [key]: value });
  }
  const notes: string[] = [];
  if (pathAndQuery !== input) notes.push(`signed the canonical form of the path: ${pathAndQuery}`);
  if (query.includes('+'))
    notes.push('"+" is signed as a literal plus (%2B); Tiki encodes a space as %20, not +');
  return { pathAndQuery, notes };
}

function decodeLenient(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function signGraphql(
  json: string,
  key: string | undefined,
  secret: string,
  timestamp: string | undefined,
  io: CliIo,
) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new UsageError('--graphql takes the input fields as a JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError('--graphql takes the input fields as a JSON object');
  }
  const fields = { ...(parsed as Record<string, string | number>) };
  if (fields.client_id === undefined && key) fields.client_id = key;
  if (timestamp !== undefined && fields.timestamp !== undefined && String(fields.timestamp) !== timestamp) {
    throw new UsageError('--timestamp differs from the timestamp in --graphql; give one of them');
  }
  if (fields.timestamp === undefined)
    fields.timestamp = timestamp === undefined ? Math.floor(io.now()) : Number(timestamp);
  if (typeof fields.timestamp === 'string')
    io.stderr('note: timestamp is a string; Tiki sends it as a number\n');
  try {
    return describe(explainGraphqlInput({ clientSecret: secret, fields }));
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(stripPrefix(error.message));
    throw error;
  }
}

function compareExpected(expected: string | undefined, lines: readonly string[], io: CliIo): number {
  if (expected === undefined) return 0;
  const line = lines.find((l) => l.startsWith('signature:'));
  const signature = line?.split(/\s+/)[1];
  if (expected.trim() === signature) {
    io.stderr('match: --expect is the signature of this input\n');
    return 0;
  }
  if (!/^[0-9a-f]{64}$/.test(expected.trim())) {
    io.stderr(
      'note: --expect is not 64 lowercase hex characters, so it cannot be a signature Tiki accepts\n',
    );
  }
  io.stderr(
    'DIFFERS: --expect is not the signature of this input. Check the secret, the timestamp, and that the exact ' +
      'bytes sent were signed (no re-serialization, no "+" for spaces, HMAC over the encoded payload)\n',
  );
  return 1;
}
