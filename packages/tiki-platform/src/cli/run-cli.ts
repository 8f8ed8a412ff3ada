import { parseArgs } from 'node:util';
import { explain, explainGraphqlInput } from '../signing/sign.ts';
import { canonicalGet } from './cli-get.ts';
import { bodyNotes, describe, headers } from './cli-report.ts';
import { USAGE, UsageError } from './cli-usage.ts';

/** Everything the CLI touches, injected so that it runs in-process under test. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  now(): number;
  readFile(path: string): Uint8Array;
}

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
