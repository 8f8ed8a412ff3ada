import { TikiNetworkError, TikiResponseError, TikiTimeoutError } from './errors.ts';

/** A response read to its end: the deadline covers the headers and the whole body. */
export interface RawResponse {
  status: number;
  contentType: string | null;
  text: string;
}

/**
 * One HTTP attempt with its own deadline. A deadline that passes becomes TikiTimeoutError; any other failure
 * to get a complete response (refused, reset, DNS, TLS) becomes TikiNetworkError.
 */
export async function fetchWithDeadline(i: {
  fetch: typeof fetch;
  url: string;
  init: RequestInit;
  timeoutMs: number;
  what: string;
}): Promise<RawResponse> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), i.timeoutMs);
  try {
    // Never followed: a 301/302 turns the signed POST into a GET, and every redirect would carry the signature
    // headers to another address. Tiki's API does not redirect, so one means a wrong base URL (http://...).
    const response = await i.fetch(i.url, { ...i.init, redirect: 'manual', signal: controller.signal });
    if (response.status >= 300 && response.status <= 399) throw redirected(response, i);
    const text = await response.text();
    return { status: response.status, contentType: response.headers.get('content-type'), text };
  } catch (error) {
    if (error instanceof TikiResponseError) throw error;
    if (controller.signal.aborted) {
      throw new TikiTimeoutError({
        timeoutMs: i.timeoutMs,
        message: `${i.what}: no complete response within ${i.timeoutMs} ms; it may or may not have taken effect`,
      });
    }
    const code = systemErrorCode(error);
    throw new TikiNetworkError({
      code,
      message: `${i.what}: network failure (${code ?? describeFailure(error)})`,
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

/** undici wraps the system error: TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }). */
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

function redirected(response: Response, i: { url: string; what: string }): TikiResponseError {
  void response.body?.cancel();
  const location = response.headers.get('location');
  let target = '';
  if (location !== null) {
    // Origin and path only: a query string is not ours to repeat in a message.
    const url = URL.canParse(location, i.url) ? new URL(location, i.url) : null;
    target = url === null ? '' : ` to ${url.origin}${url.pathname}`;
  }
  return new TikiResponseError({
    status: response.status,
    message:
      `${i.what}: HTTP ${response.status} redirect${target}, not followed; ` +
      "Tiki's API does not redirect: check the base URL (https, exact path)",
  });
}
