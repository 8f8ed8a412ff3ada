import { numericCode, readHostFailure } from './host-failure.ts';
import {
  DomainNotAllowedError,
  HttpStatusError,
  NetworkError,
  RequestError,
  ResponseFormatError,
  TimeoutError,
} from './request-errors.ts';

export type HttpMethod = my.HttpMethod;

export interface HttpRequest {
  url: string;
  method?: HttpMethod;
  headers?: Record<string, string>;
  /** Serialized once as JSON and sent with `content-type: application/json`. */
  body?: unknown;
  /** Default 15 000 ms (the host's own default, 30 s, is long for a person waiting on a button). */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  /** Header names in lower case; empty when the host does not report them. */
  headers: Record<string, string>;
  /** Parsed JSON, or null for an empty body. */
  body: unknown;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * If the host never calls back (it has no `abort()`), our own timer settles the promise this long after the
 * deadline the host was given, so that a caller always gets an answer.
 */
const HOST_GRACE_MS = 1_000;

/** Error codes of the `my.*` family (Tiki's type package lists them for `my.request`). */
const HOST_ERROR = { domainNotAllowed: 11, network: 12, timeout: 13, decode: 14, httpStatus: 19 } as const;

/**
 * `my.request` as a promise. Resolves for 2xx (and 3xx the host did not follow); rejects with a
 * `RequestError` subclass otherwise. Accepts both the documented `{ data, status, headers }` success result
 * and hosts that hand over the bare body.
 */
export function request(input: HttpRequest): Promise<HttpResponse> {
  const timeoutMs = input.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers: Record<string, string> = { accept: 'application/json' };
  let data: string | undefined;
  if (input.body !== undefined) {
    headers['content-type'] = 'application/json';
    data = JSON.stringify(input.body);
  }
  Object.assign(headers, input.headers);

  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false;
    const guard = setTimeout(() => settle(new TimeoutError(timeoutMs)), timeoutMs + HOST_GRACE_MS);
    function settle(outcome: HttpResponse | RequestError): void {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      if (outcome instanceof RequestError) reject(outcome);
      else resolve(outcome);
    }

    try {
      my.request({
        url: input.url,
        method: input.method ?? 'GET',
        headers,
        ...(data === undefined ? {} : { data }),
        dataType: 'json',
        timeout: timeoutMs,
        includeHeader: true,
        success: (result) => settle(toOutcome(normalizeSuccess(result))),
        fail: (failure) => settle(fromFailure(failure, timeoutMs)),
      });
    } catch (error) {
      settle(new NetworkError(`my.request threw: ${describe(error)}`));
    }
  });
}

interface ParsedSuccess extends HttpResponse {
  /** False when the body was text that is not JSON. */
  json: boolean;
}

function toOutcome(response: ParsedSuccess): HttpResponse | RequestError {
  const { json, ...rest } = response;
  if (rest.status >= 400) return new HttpStatusError(rest.status, rest.body);
  if (!json) return new ResponseFormatError('The answer is not JSON', rest.status);
  return rest;
}

/** The documented shape has a numeric `status` and a `data` field; anything else is taken as a bare body. */
function normalizeSuccess(result: unknown): ParsedSuccess {
  if (isRecord(result) && typeof result.status === 'number' && 'data' in result) {
    return { status: result.status, headers: lowerCaseKeys(result.headers), ...parseBody(result.data) };
  }
  return { status: 200, headers: {}, ...parseBody(result) };
}

function fromFailure(raw: my.RequestFailResult | string | undefined, timeoutMs: number): RequestError {
  const read = readHostFailure(raw);
  const code = numericCode(read);
  const hostMessage = read.message;
  const failure = typeof raw === 'object' ? raw : undefined;
  if (typeof failure?.status === 'number' && failure.status >= 400) {
    return new HttpStatusError(failure.status, parseBody(failure.data).body);
  }
  switch (code) {
    case HOST_ERROR.timeout:
      return new TimeoutError(timeoutMs);
    case HOST_ERROR.domainNotAllowed:
      return new DomainNotAllowedError(`The host refused the domain (error 11: ${hostMessage})`);
    case HOST_ERROR.decode:
      return new ResponseFormatError(`The answer is not JSON (error 14: ${hostMessage})`);
    case HOST_ERROR.httpStatus:
      return new HttpStatusError(0, parseBody(failure?.data).body);
    default:
      return new NetworkError(`Request failed (error ${read.code ?? 'unknown'}: ${hostMessage})`, code);
  }
}

/**
 * Hosts parse JSON for `dataType: 'json'`, but some hand over the text: parse it here in that case.
 * Text that is not JSON is kept as it is (an error page says more than nothing) and flagged.
 */
function parseBody(data: unknown): { body: unknown; json: boolean } {
  if (data === undefined || data === null || data === '') return { body: null, json: true };
  if (typeof data !== 'string') return { body: data, json: true };
  try {
    return { body: JSON.parse(data), json: true };
  } catch {
    return { body: data, json: false };
  }
}

function lowerCaseKeys(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(headers)) return out;
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    if (typeof value === 'string') out[key.toLowerCase()] = value;
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
