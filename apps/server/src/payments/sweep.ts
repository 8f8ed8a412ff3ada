/**
 * The sweep: what makes every order end (completed or canceled) when nobody is looking. IPNs can all be lost
 * (our server down past Tiki's last retry, no IPN URL in Tini Console), a hook can keep failing, a buyer can
 * leave a draft; Tiki's remedy is to re-check with `GET /order/list` (ipn.md, list-orders.md).
 *
 * Every server instance runs one, every ORDER_SWEEP_INTERVAL_MS (jittered, so that instances spread out). Each
 * run takes open orders from the store in batches of at most LIST_ORDERS_MAX that no sweep re-read in the last
 * half interval (the store marks them as it hands them out, so instances running at once take different ones),
 * re-reads each batch with one `GET /order/list`, and applies what Tiki says through the lifecycle, as an IPN
 * would: a paid order is fulfilled (failed fulfilments are retried, with backoff) and completed; a decided cancel
 * is carried out; a draft older than ORDER_DRAFT_TTL_MS that Tiki still has as a draft is canceled.
 */
import { randomBytes } from 'node:crypto';
import type { TikiClient } from '@tini-starter/tiki-platform/client';
import type { Clock } from '@tini-starter/tiki-platform/clock';
import { LIST_ORDERS_MAX, type TikiOrder } from '@tini-starter/tiki-platform/payments';
import type { Logger } from 'pino';
import type { Caller } from '../auth/login.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { OrderRecord } from '../store/orders.ts';
import type { Store } from '../store/store.ts';
import type { OrderLifecycle } from './lifecycle.ts';

export interface SweepOptions {
  store: Store;
  tiki: TikiClient;
  lifecycle: OrderLifecycle;
  clock: Clock;
  logger: Logger;
  /** Where runs, orders re-read and the oldest paid order not yet fulfilled are told. */
  metrics: Metrics;
  intervalMs: number;
  /** A draft nobody paid is canceled at Tiki this long after it was created. */
  draftTtlMs: number;
  /** Batches one run takes at most (each one `GET /order/list`); what is left waits for the next run. */
  maxBatches?: number;
}

export interface SweepRun {
  /** Orders re-read from Tiki. */
  reread: number;
  /** Orders Tiki did not list (unknown to it): left as they are, and logged. */
  unlisted: number;
  /** Drafts canceled for their age. */
  expired: number;
  /** Whether Tiki could not be read (the run stopped; those orders are due again in half an interval). */
  tikiUnavailable: boolean;
}

export interface OrderSweep {
  /** One run now (tests call it after moving a manual clock; the timer calls it too). */
  runOnce(): Promise<SweepRun>;
  /** Runs every interval (jittered) until stop(); a run never overlaps the previous one. */
  start(): void;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/** Each wait is the interval times 0.8 to 1.2: instances started together drift apart. */
const JITTER = 0.2;

export function createOrderSweep(o: SweepOptions): OrderSweep {
  const { store, clock, lifecycle } = o;
  const maxBatches = o.maxBatches ?? 10;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  async function runOnce(): Promise<SweepRun> {
    const runId = `sweep-${randomBytes(6).toString('base64url')}`;
    const log = o.logger.child({ sweep: runId });
    const caller: Caller = { log, requestId: runId };
    const run: SweepRun = { reread: 0, unlisted: 0, expired: 0, tikiUnavailable: false };
    for (let batch = 0; batch < maxBatches; batch++) {
      const now = clock.now();
      const orders = await store.claimSweepBatch({
        now,
        checkedBefore: now - Math.floor(o.intervalMs / 2),
        limit: LIST_ORDERS_MAX,
      });
      if (orders.length === 0) break;
      let listed: TikiOrder[];
      try {
        listed = await o.tiki.listOrders(
          orders.map((order) => order.tikiOrderId as string),
          { requestId: runId },
        );
      } catch (err) {
        log.warn({ err, orders: orders.length }, 'sweep: could not list the orders at Tiki; next run');
        run.tikiUnavailable = true;
        break;
      }
      const byId = new Map(listed.map((tikiOrder) => [tikiOrder.id, tikiOrder]));
      for (const order of orders) {
        const tikiOrder = byId.get(order.tikiOrderId as string);
        if (tikiOrder === undefined) {
          run.unlisted += 1;
          log.error(
            { orderId: order.id, tikiOrderId: order.tikiOrderId },
            'sweep: Tiki does not list the order',
          );
          continue;
        }
        run.reread += 1;
        // One order's failure (the store, a bug in a hook) must not stop the others.
        try {
          if (await settle(order, tikiOrder, caller)) run.expired += 1;
        } catch (err) {
          log.error({ orderId: order.id, err }, 'sweep: the order could not be moved on; next run');
        }
      }
      if (orders.length < LIST_ORDERS_MAX) break;
    }
    if (run.reread + run.unlisted > 0 || run.tikiUnavailable) log.info(run, 'sweep done');
    o.metrics.sweepRun(run);
    await tellOldestUnfulfilled(log);
    return run;
  }

  /** The gauge of money taken and nothing delivered: a store that cannot say keeps the last answer (it grows). */
  async function tellOldestUnfulfilled(log: Logger): Promise<void> {
    try {
      o.metrics.oldestUnfulfilledPaidAt(await store.oldestUnfulfilledPaidAt());
    } catch (err) {
      log.warn({ err }, 'sweep: could not read the oldest paid order not yet fulfilled');
    }
  }

  /** Applies Tiki's word; true when the order was a draft past its TTL, canceled now. */
  async function settle(order: OrderRecord, tikiOrder: TikiOrder, caller: Caller): Promise<boolean> {
    const after = await lifecycle.apply(order, tikiOrder, caller);
    const expired =
      after.status === 'draft' &&
      after.cancelReason === null &&
      clock.now() - after.createdAt >= o.draftTtlMs;
    if (!expired) return false;
    const outcome = await lifecycle.cancel(after, 'unpaid', caller);
    return outcome.kind === 'canceled';
  }

  function schedule(): void {
    if (stopped) return;
    const waitMs = Math.round(o.intervalMs * (1 - JITTER + 2 * JITTER * Math.random()));
    timer = setTimeout(() => {
      running = runOnce()
        .catch((err: unknown) => {
          o.metrics.sweepRun(null);
          o.logger.error({ err }, 'sweep failed; next run');
        })
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, waitMs);
    timer.unref();
  }

  return {
    runOnce,
    start() {
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
