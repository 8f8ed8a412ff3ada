import { describe, expect, it } from 'vitest';
import type { RequestLogEntry } from './request-log.ts';
import { createRequestLog } from './request-log.ts';

const entry = (
  route: RequestLogEntry['route'],
  verdict: string,
  operation?: RequestLogEntry['operation'],
) => ({
  at: 0,
  method: 'POST',
  path: '/x',
  route,
  status: 200,
  verdict,
  ...(operation === undefined ? {} : { operation }),
});

describe('the request log', () => {
  it('keeps the newest entries, oldest first, across every wrap-around', () => {
    const log = createRequestLog(3);
    const ids = () => log.entries().map((e) => e.id);
    const expected = [[1], [1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6], [5, 6, 7]];
    for (const want of expected) {
      log.add(entry('token', 'ok'));
      expect(ids()).toEqual(want);
    }
  });

  it("counts per route and verdict forever; '*' counts Tiki routes only", () => {
    const log = createRequestLog(1);
    log.add(entry('token', 'ok', 'token'));
    log.add(entry('graphql', 'ok', 'refresh'));
    log.add(entry('graphql', 'invalid_token', 'refresh'));
    log.add(entry('emulator', 'ok'));
    expect(log.count('token')).toBe(1);
    expect(log.count('graphql', 'ok')).toBe(1);
    expect(log.count('*')).toBe(3);
    expect(log.count('*', 'ok')).toBe(2);
    expect(log.countOperation('refresh')).toBe(2);
    expect(log.countOperation('refresh', 'ok')).toBe(1);
    log.clear();
    expect(log.count('*')).toBe(0);
    expect(log.entries()).toEqual([]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => createRequestLog(0)).toThrow(TypeError);
  });
});
