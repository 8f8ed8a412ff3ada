import type { Clock } from '@tini-starter/tiki-platform/clock';
import { signatureOf } from '@tini-starter/tiki-platform/payload';
import {
  IPN_ANSWER_TIMEOUT_MS,
  IPN_RETRY_DELAYS_MS,
  type IpnMessage,
  type KnownTikiOrder,
} from '@tini-starter/tiki-platform/payments';
import { TIKI_HEADERS } from '@tini-starter/tiki-platform/schemas';
import type { RequestLog } from '../controls/request-log.ts';
import type { EmulatorApp } from '../state/state.ts';

/**
 * Tiki's side of the IPN (docs/backend-api/payment/ipn.md): a signed POST of each notification to the app's IPN
 * Callback URL, retried after a 5xx, no answer within 15 s or a network error, 1 min, 5 min, 30 min, 60 min,
 * 6 h, 12 h and 24 h later on the emulator's clock. Every attempt and its answer go to the request log.
 *
 * Assumptions (ipn.md is silent): the body is signed like a POST to Tiki, `timestamp.clientKey.rawBody` with the
 * app's own pair; each attempt is signed afresh with the same body and message_id; a 4xx is not retried; the
 * retry offsets count from the previous attempt.
 */

export type DeliveryState = 'pending' | 'delivered' | 'refused' | 'gave_up';

export interface IpnAttempt {
  at: number;
  /** HTTP status, or 0 for no answer (network error or timeout). */
  status: number;
  outcome: 'delivered' | 'refused' | 'failed';
  /** Why a failed attempt failed, or what was sent extra ('resend', 'duplicate', 'out of order'). */
  note?: string;
}

export interface IpnRecord {
  messageId: string;
  clientId: string;
  orderId: string;
  status: string;
  createdAt: number;
  url: string;
  /** The exact bytes every attempt sends. */
  body: string;
  state: DeliveryState;
  attempts: IpnAttempt[];
  /** When the next scheduled attempt is due (emulator clock), or null. */
  nextAttemptAt: number | null;
  /** Scheduled attempts so far (the first and its retries; not resends or duplicates). */
  tries: number;
}

export interface IpnSenderDeps {
  clock: Clock;
  /** What signatures are stamped with (real time by default, as the emulator's signature checks). */
  signatureClock: Clock;
  getApp(clientId: string): EmulatorApp | undefined;
  /** Where an app's IPNs go when it names no URL of its own; null sends none. */
  defaultUrl: string | null;
  log: RequestLog;
  answerTimeoutMs?: number;
  retryDelaysMs?: readonly number[];
  fetch?: typeof fetch;
}

export interface IpnSender {
  /** Queues a notification of `order`'s current status and attempts it at once. */
  notify(order: KnownTikiOrder, clientId: string): IpnRecord | null;
  /** Attempts every delivery whose retry is due on the clock. */
  runDue(): void;
  /** Sends one message again now (same message_id), outside the schedule. */
  resend(messageId: string): Promise<IpnAttempt>;
  /** Sends `copies` copies of one message at once, to test a receiver's dedupe under concurrency. */
  duplicate(messageId: string, copies: number): Promise<IpnAttempt[]>;
  /** Sends an order's two latest messages again, the newer first: a receiver must keep the newer status. */
  outOfOrder(orderId: string): Promise<IpnAttempt[]>;
  records(): IpnRecord[];
  /** Where the IPNs of apps without their own `ipnUrl` go from now on (null: nowhere). */
  setDefaultUrl(url: string | null): void;
  /** Resolves when every attempt started so far has its answer (for tests). */
  settled(): Promise<void>;
  close(): void;
}

/** RFC 3339 in Vietnam's offset, as ipn.md's example (2021-12-27T21:19:33+07:00). */
export function vietnamTime(ms: number): string {
  const shifted = new Date(ms + 7 * 3_600_000).toISOString().slice(0, 19);
  return `${shifted}+07:00`;
}

function messageIds(): () => string {
  let next = 141_939_182_305_017_800n;
  return () => {
    next += BigInt(1 + Math.floor(Math.random() * 997));
    return next.toString();
  };
}

export function createIpnSender(deps: IpnSenderDeps): IpnSender {
  const records = new Map<string, IpnRecord>();
  const inFlight = new Set<Promise<unknown>>();
  const nextMessageId = messageIds();
  const timeoutMs = deps.answerTimeoutMs ?? IPN_ANSWER_TIMEOUT_MS;
  const delays = deps.retryDelaysMs ?? IPN_RETRY_DELAYS_MS;
  const doFetch = deps.fetch ?? fetch;
  const shutdown = new AbortController();

  let defaultUrl = deps.defaultUrl;
  function urlOf(clientId: string): string | null {
    return deps.getApp(clientId)?.ipnUrl ?? defaultUrl;
  }

  async function attempt(record: IpnRecord, note?: string): Promise<IpnAttempt> {
    const app = deps.getApp(record.clientId);
    const started = deps.clock.now();
    // Each attempt goes where Console says now (a URL fixed in Console between attempts is followed).
    record.url = urlOf(record.clientId) ?? record.url;
    let result: IpnAttempt;
    if (app === undefined) {
      result = { at: started, status: 0, outcome: 'failed', note: 'the app is no longer registered' };
    } else {
      const timestamp = Math.floor(deps.signatureClock.now()).toFixed(0);
      try {
        const response = await doFetch(record.url, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            'content-type': 'application/json',
            [TIKI_HEADERS.clientId]: app.clientId,
            [TIKI_HEADERS.timestamp]: timestamp,
            [TIKI_HEADERS.signature]: signatureOf(app.clientSecret, timestamp, app.clientId, record.body),
          },
          body: record.body,
          signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), shutdown.signal]),
        });
        await response.arrayBuffer().catch(() => undefined);
        const outcome = response.ok ? 'delivered' : response.status >= 500 ? 'failed' : 'refused';
        result = { at: started, status: response.status, outcome };
      } catch (error) {
        const why =
          error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
            ? `no answer within ${timeoutMs} ms`
            : `network error: ${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)}`;
        result = { at: started, status: 0, outcome: 'failed', note: why };
      }
    }
    if (note !== undefined) result.note = result.note === undefined ? note : `${note}; ${result.note}`;
    record.attempts.push(result);
    deps.log.add({
      at: started,
      method: 'POST',
      path: new URL(record.url).pathname,
      route: 'ipn',
      status: result.status,
      verdict: result.outcome,
      clientId: record.clientId,
      message: `IPN ${record.messageId}: order ${record.orderId} ${record.status}${result.note === undefined ? '' : ` (${result.note})`}`,
    });
    return result;
  }

  /** A scheduled attempt: its result moves the delivery on (delivered, refused, retry later, or give up). */
  function scheduled(record: IpnRecord): void {
    record.nextAttemptAt = null;
    record.tries += 1;
    track(
      attempt(record).then((result) => {
        if (result.outcome === 'delivered') record.state = 'delivered';
        else if (result.outcome === 'refused') record.state = 'refused';
        else {
          const delay = delays[record.tries - 1];
          if (delay === undefined) record.state = 'gave_up';
          else record.nextAttemptAt = deps.clock.now() + delay;
        }
      }),
    );
  }

  function track<T>(promise: Promise<T>): Promise<T> {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise));
    return promise;
  }

  function recordOf(messageId: string): IpnRecord {
    const record = records.get(messageId);
    if (record === undefined) throw new RangeError(`no IPN message ${messageId}`);
    return record;
  }

  return {
    notify(order, clientId) {
      const url = urlOf(clientId);
      if (url === null) return null;
      const createdAt = deps.clock.now();
      const message: IpnMessage = {
        message_id: nextMessageId(),
        message_type: 'notification',
        message_created_at: vietnamTime(createdAt),
        order,
      };
      const record: IpnRecord = {
        messageId: message.message_id,
        clientId,
        orderId: order.id,
        status: order.status,
        createdAt,
        url,
        body: JSON.stringify(message),
        state: 'pending',
        attempts: [],
        nextAttemptAt: null,
        tries: 0,
      };
      records.set(record.messageId, record);
      scheduled(record);
      return record;
    },

    runDue() {
      const now = deps.clock.now();
      for (const record of records.values()) {
        if (record.state === 'pending' && record.nextAttemptAt !== null && record.nextAttemptAt <= now) {
          scheduled(record);
        }
      }
    },

    resend: (messageId) => track(attempt(recordOf(messageId), 'resend')),

    duplicate(messageId, copies) {
      const record = recordOf(messageId);
      return track(Promise.all(Array.from({ length: copies }, () => attempt(record, 'duplicate'))));
    },

    async outOfOrder(orderId) {
      const latest = [...records.values()].filter((r) => r.orderId === orderId).slice(-2);
      if (latest.length < 2) throw new RangeError(`order ${orderId} has fewer than two IPN messages`);
      const [older, newer] = latest as [IpnRecord, IpnRecord];
      const first = await track(attempt(newer, 'out of order: the newer first'));
      const second = await track(attempt(older, 'out of order: the older second'));
      return [first, second];
    },

    records: () => [...records.values()].map((r) => ({ ...r, attempts: [...r.attempts] })),
    setDefaultUrl(url) {
      defaultUrl = url;
    },

    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },

    close() {
      shutdown.abort();
    },
  };
}
