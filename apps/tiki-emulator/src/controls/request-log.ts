import type { FaultRoute } from './faults.ts';

/** What the caller wanted, whatever the transport: GraphQL exchanges count as 'token', its refreshes as 'refresh'. */
export type Operation = 'token' | 'refresh' | 'me' | 'profile';

export interface RequestLogEntry {
  id: number;
  at: number;
  method: string;
  /** Path without the query string. */
  path: string;
  /** 'ipn' is the emulator calling out: an IPN delivery attempt to the app's IPN URL. */
  route: Exclude<FaultRoute, '*'> | 'ipn' | 'emulator' | 'unknown';
  /** The operation behind the route, when known (a GraphQL call is 'token' or 'refresh'). */
  operation?: Operation;
  /** HTTP status sent, 0 when the connection was dropped before a response. */
  status: number;
  /** 'ok', a Tiki reason ('invalid_code', 'invalid_signature'...), 'emulated_fault', 'aborted'. */
  verdict: 'ok' | (string & {});
  message?: string;
  clientId?: string;
  /** For signature mismatches: the payload the emulator signed, with tokens and codes masked. */
  expectedPayload?: string;
  /** For `invalid_signature`: the verifier's reason (`signature_mismatch`, `stale_timestamp`, ...). */
  signatureProblem?: string;
  /** The fault applied, e.g. 'status 503', 'latency 200ms', 'drop_response_after_commit'. */
  fault?: string;
  /** The caller's X-Request-Id: the id of the server's own request that made this call. */
  requestId?: string;
}

export interface RequestLog {
  add(entry: Omit<RequestLogEntry, 'id'>): void;
  /** Oldest first, at most `capacity` entries. */
  entries(): RequestLogEntry[];
  /**
   * Every request ever seen to `route` (optionally with `verdict`), not only those still in the ring.
   * '*' counts the Tiki routes (every FaultRoute), not the emulator's controls or its IPN deliveries.
   */
  count(route: FaultRoute | RequestLogEntry['route'], verdict?: string): number;
  /** Every request of `operation` (token, refresh, me, profile) whatever its transport (REST or GraphQL). */
  countOperation(operation: NonNullable<RequestLogEntry['operation']>, verdict?: string): number;
  clear(): void;
}

/** A bounded ring of recent requests, plus unbounded counters per route and verdict for tests. */
export function createRequestLog(capacity = 500): RequestLog {
  if (!Number.isSafeInteger(capacity) || capacity < 1) {
    throw new TypeError('tiki-emulator: the request log capacity is a positive integer');
  }
  // A fixed array written round-robin: the entry with id n sits at (n - 1) % capacity.
  let ring: RequestLogEntry[] = [];
  let nextId = 1;
  const counts = new Map<string, number>();
  const bump = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

  return {
    add(entry) {
      ring[(nextId - 1) % capacity] = { id: nextId, ...entry };
      nextId += 1;
      const tikiRoute = entry.route !== 'emulator' && entry.route !== 'unknown' && entry.route !== 'ipn';
      for (const key of tikiRoute ? [`route:${entry.route}`, 'route:*'] : [`route:${entry.route}`]) {
        bump(key);
        bump(`${key}:${entry.verdict}`);
      }
      if (entry.operation !== undefined) {
        bump(`op:${entry.operation}`);
        bump(`op:${entry.operation}:${entry.verdict}`);
      }
    },
    entries: () => {
      const start = nextId - 1 > capacity ? (nextId - 1) % capacity : 0;
      return [...ring.slice(start), ...ring.slice(0, start)].map((entry) => ({ ...entry }));
    },
    count: (route, verdict) =>
      counts.get(verdict === undefined ? `route:${route}` : `route:${route}:${verdict}`) ?? 0,
    countOperation: (operation, verdict) =>
      counts.get(verdict === undefined ? `op:${operation}` : `op:${operation}:${verdict}`) ?? 0,
    clear() {
      ring = [];
      nextId = 1;
      counts.clear();
    },
  };
}
