import type { IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { RequestCaller } from './request-caller.ts';

/** A request as request-logging.ts leaves it: an id, and `log` counted each time it is read. */
function request() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  ).child({ reqId: 'req-1' });
  let reads = 0;
  const req = {
    id: 'req-1',
    get log(): Logger {
      reads += 1;
      return logger;
    },
  } as unknown as IncomingMessage;
  return { req, logger, lines, reads: () => reads };
}

describe('RequestCaller', () => {
  it("carries the request's id and the counted attempt, and touches no logger until one is read", () => {
    const r = request();
    const caller = new RequestCaller(r.req, { countedAttempt: 'login:203.0.113.7' });
    expect(caller.requestId).toBe('req-1');
    expect(caller.countedAttempt).toBe('login:203.0.113.7');
    expect(new RequestCaller(r.req).countedAttempt).toBeUndefined();
    expect(r.reads()).toBe(0);
  });

  it("without bindings logs through the request's own logger", () => {
    const r = request();
    const caller = new RequestCaller(r.req);
    expect(caller.log).toBe(r.logger);
    expect(caller.log).toBe(r.logger);
    expect(r.reads()).toBe(1);
  });

  it('with bindings makes one child of the request logger, on first use, and every line carries them', async () => {
    const r = request();
    const caller = new RequestCaller(r.req, { bindings: { messageId: 'm-1', tikiOrderId: 't-1' } });
    caller.log.info('first');
    caller.log.info('second');
    expect(caller.log).toBe(caller.log);
    expect(r.reads()).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(
      r.lines.map(({ reqId, messageId, tikiOrderId, msg }) => ({ reqId, messageId, tikiOrderId, msg })),
    ).toEqual([
      { reqId: 'req-1', messageId: 'm-1', tikiOrderId: 't-1', msg: 'first' },
      { reqId: 'req-1', messageId: 'm-1', tikiOrderId: 't-1', msg: 'second' },
    ]);
  });

  it('has no getter of its own: `log` is the prototype’s, shared by every caller (see the module comment)', () => {
    const caller = new RequestCaller(request().req);
    expect(Object.getOwnPropertyDescriptor(caller, 'log')).toBeUndefined();
    expect(typeof Object.getOwnPropertyDescriptor(RequestCaller.prototype, 'log')?.get).toBe('function');
  });
});
