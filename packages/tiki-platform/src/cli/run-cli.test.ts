import { describe, expect, it } from 'vitest';
import {
  GET_VECTOR,
  GRAPHQL_VECTOR,
  POST_VECTOR,
  VECTOR_CREDENTIALS,
  VECTOR_TIMESTAMP,
} from '../testing/vectors.ts';
import { USAGE } from './cli-usage.ts';
import { type CliIo, runCli } from './run-cli.ts';

const KEY = VECTOR_CREDENTIALS.clientId;
const SECRET = VECTOR_CREDENTIALS.clientSecret;

function run(argv: string[], o: { env?: Record<string, string>; files?: Record<string, Uint8Array> } = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: o.env ?? {},
    now: () => Number(VECTOR_TIMESTAMP),
    readFile: (path) => {
      const file = o.files?.[path];
      if (!file) throw new Error(`ENOENT: no such file, open '${path}'`);
      return file;
    },
  };
  const code = runCli(argv, io);
  return { code, stdout, stderr };
}

const signed = ['--key', KEY, '--secret', SECRET, '--timestamp', VECTOR_TIMESTAMP];

describe('tiki-sign', () => {
  it('prints payload, encoded payload, signature and the headers for a POST body', () => {
    const { code, stdout, stderr } = run([...signed, '--body', POST_VECTOR.body]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        `payload:         ${POST_VECTOR.payload}`,
        `encoded payload: ${POST_VECTOR.encodedPayload}`,
        `signature:       ${POST_VECTOR.signature}`,
        'headers to send:',
        `  X-Tiniapp-Client-Id: ${KEY}`,
        `  X-Tiniapp-Timestamp: ${VECTOR_TIMESTAMP}`,
        `  X-Tiniapp-Signature: ${POST_VECTOR.signature}`,
        '',
      ].join('\n'),
    );
  });

  it('takes key and secret from TIKI_CLIENT_ID and TIKI_CLIENT_SECRET, and the timestamp from now', () => {
    const env = { TIKI_CLIENT_ID: KEY, TIKI_CLIENT_SECRET: SECRET };
    const { code, stdout } = run(['--body', POST_VECTOR.body], { env });
    expect(code).toBe(0);
    expect(stdout).toContain(`signature:       ${POST_VECTOR.signature}`);
  });

  it('signs a body file byte for byte, trailing newline included, and says so', () => {
    const files = { 'body.json': new TextEncoder().encode(`${POST_VECTOR.body}\n`) };
    const { code, stdout, stderr } = run([...signed, '--body-file', 'body.json'], { files });
    expect(code).toBe(0);
    expect(stdout).toContain(`payload:         ${POST_VECTOR.payload}\n\n`);
    expect(stdout).not.toContain(POST_VECTOR.signature);
    expect(stderr).toContain('ends with a newline');
  });

  it('notes a body that is not compact JSON, or not JSON at all, and signs it anyway', () => {
    expect(run([...signed, '--body', '{"id": 123}']).stderr).toContain('not in compact JSON.stringify form');
    const notJson = run([...signed, '--body', 'id=123']);
    expect(notJson.code).toBe(0);
    expect(notJson.stderr).toContain('not valid JSON');
  });

  it.each([
    ['raw', '/order?location=Hà Nội&order_id=88062110977884170'],
    ['already encoded', GET_VECTOR.pathAndQuery],
  ])('signs a GET path whose query is %s, and shows the canonical path it signed', (_name, path) => {
    const { code, stdout } = run([...signed, '--get', path]);
    expect(code).toBe(0);
    expect(stdout).toContain(`signed path:     ${GET_VECTOR.pathAndQuery}\n`);
    expect(stdout).toContain(`signature:       ${GET_VECTOR.signature}`);
  });

  it('keeps repeated keys and their order, and warns about "+" in a query', () => {
    const { stdout, stderr } = run([...signed, '--get', '/a?b=1&a=2&b=x+y&flag']);
    expect(stdout).toContain('signed path:     /a?b=1&a=2&b=x%2By&flag=\n');
    expect(stderr).toContain('"+" is signed as a literal plus');
  });

  it('a malformed percent escape is taken literally', () => {
    expect(run([...signed, '--get', '/a?q=100%']).stdout).toContain('signed path:     /a?q=100%25\n');
  });

  it('signs GraphQL input fields sorted, and matches --expect', () => {
    const { code, stdout, stderr } = run([
      '--secret',
      SECRET,
      '--graphql',
      JSON.stringify(GRAPHQL_VECTOR.fields),
      '--expect',
      GRAPHQL_VECTOR.signature,
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain(`signature:       ${GRAPHQL_VECTOR.signature}`);
    expect(stderr).toContain('match');
  });

  it('fills client_id and timestamp of GraphQL input from --key and --timestamp', () => {
    const { code: _code, timestamp, client_id } = GRAPHQL_VECTOR.fields;
    const args = ['--key', client_id, '--secret', SECRET, '--timestamp', String(timestamp)];
    const { code, stdout } = run([...args, '--graphql', JSON.stringify({ code: _code })]);
    expect(code).toBe(0);
    expect(stdout).toContain(`signature:       ${GRAPHQL_VECTOR.signature}`);
  });

  it('takes the timestamp of GraphQL input from now when nothing gives one', () => {
    const { stdout } = run(['--secret', SECRET, '--graphql', '{"code":"c"}']);
    expect(stdout).toContain(`"timestamp":${VECTOR_TIMESTAMP}`);
  });

  it('warns about a GraphQL timestamp given as a string', () => {
    const fields = { ...GRAPHQL_VECTOR.fields, timestamp: String(GRAPHQL_VECTOR.fields.timestamp) };
    const { code, stderr } = run(['--secret', SECRET, '--graphql', JSON.stringify(fields)]);
    expect(code).toBe(0);
    expect(stderr).toContain('timestamp is a string');
  });

  it('exits 1 and explains when --expect differs', () => {
    const { code, stderr } = run([...signed, '--body', '{"id": 123}', '--expect', POST_VECTOR.signature]);
    expect(code).toBe(1);
    expect(stderr).toContain('DIFFERS');
    expect(run([...signed, '--body', '{}', '--expect', 'ABC']).stderr).toContain('not 64 lowercase hex');
  });

  it('prints usage with --help', () => {
    expect(run(['--help'])).toEqual({ code: 0, stdout: USAGE, stderr: '' });
  });

  it.each([
    ['nothing to sign', [...signed], 'say what to sign'],
    ['two things to sign', [...signed, '--body', '{}', '--get', '/a'], 'one thing at a time'],
    ['no secret', ['--key', KEY, '--body', '{}'], 'no client secret'],
    ['no key', ['--secret', SECRET, '--body', '{}'], 'no client key'],
    ['an unknown option', ['--bogus'], "Unknown option '--bogus'"],
    ['a positional argument', [...signed, 'extra', '--body', '{}'], 'Unexpected argument'],
    ['an option without its value', ['--body'], "Option '--body <value>' argument missing"],
    [
      'a timestamp in seconds',
      ['--key', KEY, '--secret', SECRET, '--timestamp', '1620621619', '--body', '{}'],
      'looks like seconds',
    ],
    [
      'a GET path with the base URL',
      [...signed, '--get', 'https://api.tiki.vn/order'],
      'without the base URL',
    ],
    ['GraphQL input that is not JSON', ['--secret', SECRET, '--graphql', 'code=1'], 'JSON object'],
    ['GraphQL input that is an array', ['--secret', SECRET, '--graphql', '[1]'], 'JSON object'],
    [
      'GraphQL input with a nested object',
      ['--secret', SECRET, '--graphql', '{"code":{}}'],
      'fields.code must be',
    ],
    ['two different timestamps', [...signed, '--graphql', '{"timestamp":1620621619570}'], 'differs'],
    ['a missing body file', [...signed, '--body-file', 'nope.json'], 'cannot read --body-file nope.json'],
  ])('%s is a usage error with exit code 2', (_name, argv, message) => {
    const { code, stdout, stderr } = run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toContain('tiki-sign --help');
    expect(stderr).not.toContain(SECRET);
  });

  it('a body file that is not UTF-8 is a usage error', () => {
    const files = { 'bin.dat': new Uint8Array([0xff, 0xfe]) };
    expect(run([...signed, '--body-file', 'bin.dat'], { files })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('not UTF-8'),
    });
  });
});
