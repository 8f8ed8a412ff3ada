import { describe, expect, it } from 'vitest';
import {
  isRetryable,
  isTokenRefused,
  isTransient,
  TikiApiError,
  TikiNetworkError,
  TikiResponseError,
  TikiTimeoutError,
} from './errors.ts';

const refusal = (status: number, reason: string) => new TikiApiError({ status, reason, message: reason });

describe('reading a failure', () => {
  const cases: [string, unknown, { retryable: boolean; transient: boolean; tokenRefused: boolean }][] = [
    [
      'connection refused',
      new TikiNetworkError({ code: 'ECONNREFUSED', message: 'x' }),
      { retryable: true, transient: true, tokenRefused: false },
    ],
    [
      'deadline passed',
      new TikiTimeoutError({ timeoutMs: 5, message: 'x' }),
      { retryable: false, transient: true, tokenRefused: false },
    ],
    [
      'an answer we cannot read',
      new TikiResponseError({ status: 200, message: 'x' }),
      { retryable: false, transient: true, tokenRefused: false },
    ],
    [
      'Tiki failing (503)',
      refusal(503, 'server_error'),
      { retryable: true, transient: true, tokenRefused: false },
    ],
    [
      'Tiki shedding load (429)',
      refusal(429, 'rate_limited'),
      { retryable: false, transient: true, tokenRefused: false },
    ],
    [
      'a dead token',
      refusal(400, 'invalid_token'),
      { retryable: false, transient: false, tokenRefused: true },
    ],
    [
      'a dead code',
      refusal(400, 'invalid_code'),
      { retryable: false, transient: false, tokenRefused: false },
    ],
    [
      'our signature',
      refusal(400, 'invalid_signature'),
      { retryable: false, transient: false, tokenRefused: false },
    ],
    ['not a Tiki error', new Error('boom'), { retryable: false, transient: false, tokenRefused: false }],
  ];

  it.each(cases)('%s', (_name, error, expected) => {
    expect({
      retryable: isRetryable(error),
      transient: isTransient(error),
      tokenRefused: isTokenRefused(error),
    }).toEqual(expected);
  });
});
