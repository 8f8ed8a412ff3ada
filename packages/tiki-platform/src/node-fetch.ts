import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * Enough sockets per Tiki origin for a busy server (the load run holds 100 connections) without opening an
 * unbounded number when Tiki slows down; requests above it wait in the Agent's queue, inside their deadline.
 */
export const DEFAULT_MAX_SOCKETS = 128;

/**
 * How long a pooled socket may sit idle before it is closed, as undici's keepAliveTimeout. Also what makes
 * Node honour a server's `Keep-Alive: timeout=N` hint (less a second): the Agent applies the hint only when
 * it is shorter than this, so without it a socket would outlive the server's timeout and race its close.
 * It never cuts a request in flight: the Agent destroys only free sockets on timeout.
 */
export const DEFAULT_IDLE_SOCKET_MS = 4_000;

/** Statuses whose Response must have a null body (the Response constructor rejects any other). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * The client's default transport: a fetch-compatible function on node:http(s) `request` with one keep-alive
 * Agent per protocol, so each client owns its connection pool. Node's built-in fetch (undici) costs about four
 * times the CPU per call (bench/results.md). Deliberately narrower than fetch, in the ways the client needs:
 *
 * - redirects are never followed: a 3xx is returned as it came (the caller refuses it);
 * - the body is read to its end before the Response is returned, so an AbortSignal covers headers and body;
 *   an abort destroys the request and rejects with the signal's reason (an AbortError by default);
 * - a socket failure (refused, reset, hang up, DNS, TLS) rejects with TypeError('fetch failed', { cause }) as
 *   undici does, the system error (with its `code`) as the cause;
 * - the body's exact bytes are sent with a Content-Length; no compression is asked for.
 *
 * Idle keep-alive sockets are unref'd by the Agent, so they never keep a process alive (no close() needed),
 * and closed after `idleSocketMs` or a second before the server's own Keep-Alive timeout, whichever is first.
 */
export function createNodeFetch(o: { maxSockets?: number; idleSocketMs?: number } = {}): typeof fetch {
  const options = {
    keepAlive: true,
    maxSockets: o.maxSockets ?? DEFAULT_MAX_SOCKETS,
    timeout: o.idleSocketMs ?? DEFAULT_IDLE_SOCKET_MS,
  };
  const agents = { 'http:': new HttpAgent(options), 'https:': new HttpsAgent(options) };
  const nodeFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const request = await toNodeRequest(input, init);
    const protocol = request.url.protocol;
    if (protocol !== 'http:' && protocol !== 'https:') {
      throw new TypeError('fetch failed', { cause: new Error(`unsupported protocol ${protocol}`) });
    }
    return send(request, protocol === 'https:' ? httpsRequest : httpRequest, agents[protocol], init.signal);
  };
  return nodeFetch as typeof fetch;
}

interface NodeRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Uint8Array | null;
}

/** Strings and byte arrays are sent as they are; any other body kind is read through a Request. */
async function toNodeRequest(input: string | URL | Request, init: RequestInit): Promise<NodeRequest> {
  const simple =
    !(input instanceof Request) &&
    (init.body === undefined ||
      init.body === null ||
      typeof init.body === 'string' ||
      init.body instanceof Uint8Array ||
      init.body instanceof ArrayBuffer);
  if (!simple) {
    const request = new Request(input, init);
    const bytes = request.body === null ? null : new Uint8Array(await request.arrayBuffer());
    return withLength(new URL(request.url), request.method, request.headers, bytes);
  }
  const headers = new Headers(init.headers);
  let body: Uint8Array | null = null;
  if (typeof init.body === 'string') {
    body = Buffer.from(init.body, 'utf8');
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
  } else if (init.body instanceof Uint8Array) {
    body = init.body;
  } else if (init.body instanceof ArrayBuffer) {
    body = new Uint8Array(init.body);
  }
  return withLength(new URL(input), (init.method ?? 'GET').toUpperCase(), headers, body);
}

function withLength(url: URL, method: string, headers: Headers, body: Uint8Array | null): NodeRequest {
  const record: Record<string, string> = {};
  for (const [name, value] of headers) record[name] = value;
  if (body !== null) record['content-length'] = String(body.byteLength);
  else if (method !== 'GET' && method !== 'HEAD') record['content-length'] = '0';
  return { url, method, headers: record, body };
}

function send(
  r: NodeRequest,
  request: typeof httpRequest,
  agent: HttpAgent,
  signal: AbortSignal | null | undefined,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    let settled = false;
    const settle = (error: unknown, response?: Response) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (response === undefined) reject(error);
      else resolve(response);
    };
    const fail = (cause: unknown) => settle(new TypeError('fetch failed', { cause }));
    const options: RequestOptions = { method: r.method, headers: r.headers, agent };
    const req = request(r.url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', fail);
      res.on('end', () => {
        try {
          settle(null, toResponse(res, Buffer.concat(chunks)));
        } catch (error) {
          fail(error);
        }
      });
      res.on('close', () => {
        if (!res.complete)
          fail(Object.assign(new Error('response closed before its end'), { code: 'ECONNRESET' }));
      });
    });
    const onAbort = () => {
      settle(signal?.reason);
      req.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    req.end(r.body ?? undefined);
  });
}

function toResponse(res: IncomingMessage, body: Buffer): Response {
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    headers.append(raw[index] as string, raw[index + 1] as string);
  }
  const status = res.statusCode ?? 0;
  return new Response(NULL_BODY_STATUSES.has(status) ? null : body, {
    status,
    statusText: res.statusMessage ?? '',
    headers,
  });
}
