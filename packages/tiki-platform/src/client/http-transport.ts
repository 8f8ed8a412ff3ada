import { TikiNetworkError, TikiResponseError, TikiTimeoutError } from './errors.ts';

/** A response read to its end: the deadline covers the headers and the whole body. */
export interface RawResponse {
  status: number;
  contentType: string | null;
  text: string;
}

/** One HTTP attempt the client makes: an absolute URL, and the deadline of this attempt. */
export interface HttpRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** Sent as these exact bytes (a string as UTF-8), with their Content-Length. */
  body?: string | Uint8Array;
  timeoutMs: number;
  /** What the call is, for messages (e.g. "Tiki exchangeAuthCode"). */
  what: string;
}

/**
 * How the client reaches Tiki. Whatever the transport, a deadline that passes is TikiTimeoutError, any other
 * failure to get a complete response (refused, reset, DNS, TLS) is TikiNetworkError, and a redirect is never
 * followed: it is TikiResponseError (a 301/302 turns the signed POST into a GET, and every redirect would carry
 * the signature headers to another address; Tiki's API does not redirect, so one means a wrong base URL).
 * The default is undici (undici-transport.ts); fetchTransport wraps any fetch, which tests use to watch traffic.
 */
export type HttpTransport = (request: HttpRequest) => Promise<RawResponse>;

/**
 * A transport over a fetch function (the client's `fetch` option): an AbortController and a timer per attempt,
 * `redirect: 'manual'`. Slower than the default (about 1.5 to 8 times the client CPU per call, bench/results.md),
 * and any fetch will do.
 */
export function fetchTransport(fetchFn: typeof fetch): HttpTransport {
  return async (request) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), request.timeoutMs);
    try {
      const response = await fetchFn(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        redirect: 'manual',
        signal: controller.signal,
      });
      if (response.status >= 300 && response.status <= 399) {
        void response.body?.cancel();
        throw redirectError(request, response.status, response.headers.get('location'));
      }
      const text = await response.text();
      return { status: response.status, contentType: response.headers.get('content-type'), text };
    } catch (error) {
      if (error instanceof TikiResponseError) throw error;
      if (controller.signal.aborted) throw timeoutError(request);
      throw networkError(request, error);
    } finally {
      clearTimeout(timer);
    }
  };
}

export function timeoutError(request: HttpRequest): TikiTimeoutError {
  return new TikiTimeoutError({
    timeoutMs: request.timeoutMs,
    message: `${request.what}: no complete response within ${request.timeoutMs} ms; it may or may not have taken effect`,
  });
}

export function networkError(request: HttpRequest, error: unknown): TikiNetworkError {
  const code = systemErrorCode(error);
  return new TikiNetworkError({
    code,
    message: `${request.what}: network failure (${code ?? describeFailure(error)})`,
    cause: error,
  });
}

/** The system error's code, wherever the HTTP library put it: on the error, or down its `cause` chain. */
function systemErrorCode(error: unknown): string | null {
  for (let current = error, depth = 0; current instanceof Object && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

function describeFailure(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function redirectError(
  request: HttpRequest,
  status: number,
  location: string | null,
): TikiResponseError {
  let target = '';
  if (location !== null) {
    // Origin and path only: a query string is not ours to repeat in a message.
    const url = URL.canParse(location, request.url) ? new URL(location, request.url) : null;
    target = url === null ? '' : ` to ${url.origin}${url.pathname}`;
  }
  return new TikiResponseError({
    status,
    message:
      `${request.what}: HTTP ${status} redirect${target}, not followed; ` +
      "Tiki's API does not redirect: check the base URL (https, exact path)",
  });
}
