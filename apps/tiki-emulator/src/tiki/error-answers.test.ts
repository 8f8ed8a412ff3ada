import { once } from 'node:events';
import { connect } from 'node:net';
import { TIKI_PATHS } from '@tini-starter/tiki-platform/schemas';
import { describe, expect, it } from 'vitest';
import { type Envelope, ERROR_METADATA, json, type Running, startEmulator } from '../testing/harness.ts';
import { answerUnparsableRequest } from './error-answers.ts';

const envelope = (code: number, reason: string, message: string) => ({
  data: null,
  error: { code, reason, message, metadata: ERROR_METADATA },
});

/** Writes raw bytes and reads until the emulator closes the connection: what Node's HTTP parser rejects. */
async function rawExchange(run: Running, request: string): Promise<string> {
  const { hostname, port } = new URL(run.origin);
  const socket = connect(Number(port), hostname);
  let answer = '';
  socket.on('data', (chunk: Buffer) => {
    answer += chunk.toString('utf8');
  });
  socket.end(request);
  await once(socket, 'close');
  return answer;
}

describe('requests no route takes', () => {
  it('matches Tiki paths exactly: another case or a trailing slash is not the same path', async () => {
    const run = await startEmulator();
    for (const path of [`${TIKI_PATHS.token}/`, TIKI_PATHS.token.toUpperCase()]) {
      const response = await fetch(`${run.urls.restBaseUrl}${path}`, { method: 'POST' });
      expect(response.status).toBe(404);
      expect(await json(response)).toEqual(
        envelope(404, 'not_found', `no route POST /tiniapp-open-api${path}`),
      );
    }
    const upperBase = await fetch(`${run.origin}/TINIAPP-OPEN-API${TIKI_PATHS.me}`, { method: 'POST' });
    expect(upperBase.status).toBe(404);
    const profile = await fetch(`${run.urls.openApiBaseUrl}${TIKI_PATHS.profile}/`);
    expect(profile.status).toBe(404);
  });

  it('answers OPTIONS on a Tiki path like any wrong method: 405 with Allow, as an envelope', async () => {
    const run = await startEmulator();
    const token = await fetch(`${run.urls.restBaseUrl}${TIKI_PATHS.token}`, { method: 'OPTIONS' });
    expect(token.status).toBe(405);
    expect(token.headers.get('allow')).toBe('POST');
    expect(await json(token)).toEqual(
      envelope(405, 'method_not_allowed', `use POST for /tiniapp-open-api${TIKI_PATHS.token}`),
    );
    const profile = await fetch(`${run.urls.openApiBaseUrl}${TIKI_PATHS.profile}`, { method: 'OPTIONS' });
    expect(profile.status).toBe(405);
    expect(profile.headers.get('allow')).toBe('GET');
    expect(run.emulator.requests().map((r) => r.verdict)).toEqual([
      'method_not_allowed',
      'method_not_allowed',
    ]);
  });

  it('answers headers over 16 KB with a 431 envelope instead of a bare status line', async () => {
    const run = await startEmulator();
    const response = await fetch(`${run.urls.restBaseUrl}${TIKI_PATHS.token}`, {
      method: 'POST',
      headers: { 'x-tiniapp-signature': 'a'.repeat(20_000) },
    });
    expect(response.status).toBe(431);
    expect(await json<Envelope<never>>(response)).toEqual(
      envelope(431, 'invalid_request', 'the request line and headers exceed 16 KB'),
    );
  });

  it('answers a request that is not HTTP, or a bad Content-Length, with a 400 envelope', async () => {
    const run = await startEmulator();
    for (const request of [
      'GARBAGE\r\n\r\n',
      `POST /tiniapp-open-api${TIKI_PATHS.token} HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}`,
    ]) {
      const answer = await rawExchange(run, request);
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
      const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
      expect(JSON.parse(body)).toEqual(envelope(400, 'invalid_request', 'the request is not valid HTTP/1.1'));
    }
  });

  // Node's request timeout is minutes long: these feed the handler what Node reports, on a socket stand-in.
  function answerTo(code: string, writable = true) {
    const written: string[] = [];
    let destroyed = false;
    const socket = {
      writable,
      end: (chunk: string) => written.push(chunk),
      destroy: () => {
        destroyed = true;
      },
    } as unknown as Parameters<typeof answerUnparsableRequest>[1];
    answerUnparsableRequest(Object.assign(new Error(code), { code }), socket);
    return { written: written.join(''), destroyed };
  }

  it('answers a request that never finished arriving with a 408 envelope', () => {
    const { written } = answerTo('ERR_HTTP_REQUEST_TIMEOUT');
    expect(written.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(JSON.parse(written.slice(written.indexOf('\r\n\r\n') + 4))).toEqual(
      envelope(408, 'invalid_request', 'the request was not received completely in time'),
    );
  });

  it('only closes a connection the client already reset, or that cannot be written to', () => {
    expect(answerTo('ECONNRESET')).toEqual({ written: '', destroyed: true });
    expect(answerTo('HPE_INVALID_METHOD', false)).toEqual({ written: '', destroyed: true });
  });
});
