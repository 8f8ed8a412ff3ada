import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

describe('the logger', () => {
  it('writes development (pretty) lines on one line each, fields included, credentials still redacted', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ level: 'info', pretty: true, destination });
    logger.info(
      {
        reqId: 'r-1',
        req: { method: 'GET', path: '/api/me' },
        res: { statusCode: 200 },
        accessToken: 'AT-secret-1',
      },
      'request completed',
    );
    const text = lines.join('');
    expect(text.trimEnd().split('\n')).toHaveLength(1);
    expect(text).toMatch(/INFO.*request completed.*"reqId":"r-1".*"path":"\/api\/me".*"statusCode":200/);
    expect(text).not.toContain('AT-secret-1');
  });

  it('redacts credentials wherever they sit (top level, one or two levels down, headers)', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        accessToken: 'AT-secret-1',
        refresh_token: 'RT-secret-2',
        authCode: 'CODE-secret-3',
        grant: { access_token: 'AT-secret-4', nested: { clientSecret: 'CS-secret-5' } },
        req: { headers: { authorization: 'Bearer SESSION-secret-6', cookie: 'sid=COOKIE-secret-7' } },
        signature: 'SIG-secret-8',
        userId: 'u-1',
      },
      'something happened',
    );
    expect(lines).toHaveLength(1);
    const line = lines[0] as string;
    for (const secret of [
      'AT-secret-1',
      'RT-secret-2',
      'CODE-secret-3',
      'AT-secret-4',
      'CS-secret-5',
      'SESSION-secret-6',
      'COOKIE-secret-7',
      'SIG-secret-8',
    ]) {
      expect(line).not.toContain(secret);
    }
    expect(JSON.parse(line)).toMatchObject({
      userId: 'u-1',
      accessToken: '[redacted]',
      msg: 'something happened',
    });
  });

  it('redacts at any depth, in errors and child loggers alike, and leaves fields that only look alike', () => {
    const { lines, logger } = capture();
    const err = Object.assign(new Error('Tiki refused'), { access_token: 'AT-in-error', status: 401 });
    logger.child({ reqId: 'r-2' }).warn(
      {
        err,
        deep: { a: { b: { c: { refreshToken: 'RT-deep' } } } },
        list: [{ signature: 'SIG-in-list' }],
        quoted: { secret: 'he said "x-tiniapp-signature": \\ no' },
        password: 12345,
        tokenHash: 'not-a-secret',
        scopes: ['user_profile'],
      },
      'refused',
    );
    const line = lines[0] as string;
    for (const secret of ['AT-in-error', 'RT-deep', 'SIG-in-list', 'he said', '12345']) {
      expect(line).not.toContain(secret);
    }
    expect(JSON.parse(line)).toMatchObject({
      reqId: 'r-2',
      err: { message: 'Tiki refused', status: 401, access_token: '[redacted]' },
      deep: { a: { b: { c: { refreshToken: '[redacted]' } } } },
      quoted: { secret: '[redacted]' },
      password: '[redacted]',
      tokenHash: 'not-a-secret',
      scopes: ['user_profile'],
    });
  });
});
