import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TikiBaseUrls } from '@tini-starter/tiki-platform/client';
import { type Clock, systemClock } from '@tini-starter/tiki-platform/clock';
import { type KnownTikiOrder, ORDER_AMOUNT_LIMIT_VND } from '@tini-starter/tiki-platform/payments';
import express, { type Express } from 'express';
import { createConsentPlanBoard } from './controls/consent-plan.ts';
import { CONTROL_BASE_PATH, controlRoutes } from './controls/control-routes.ts';
import type { Fault, FaultRoute } from './controls/faults.ts';
import { createFaultBoard, FaultSchema } from './controls/faults.ts';
import type { Operation, RequestLogEntry } from './controls/request-log.ts';
import { createRequestLog } from './controls/request-log.ts';
import { allowOnlyHosts, LOOPBACK_HOSTS } from './http/allowed-hosts.ts';
import { trackRequests } from './http/request-context.ts';
import { createOffsetClock } from './state/clock.ts';
import {
  createOrderBook,
  type EmulatorOrder,
  type PaymentOutcome,
  type Seller,
  wireOrder,
} from './state/orders.ts';
import { DEFAULT_CUSTOMERS, DEFAULT_LIFETIMES, DEFAULT_SELLERS, developmentApp } from './state/seed.ts';
import type {
  AuthCodeAnswer,
  EmulatorApp,
  EmulatorCustomer,
  IssueAuthCodeInput,
  Lifetimes,
} from './state/state.ts';
import { createState, type StateSnapshot } from './state/state.ts';
import {
  answerErrors,
  answerUnparsableRequest,
  notFound,
  refuseTikiPreflight,
} from './tiki/error-answers.ts';
import { GRAPHQL_PATH, graphqlRoutes } from './tiki/graphql-route.ts';
import { createIpnSender, type IpnAttempt, type IpnRecord } from './tiki/ipn-sender.ts';
import { openApiRoutes } from './tiki/open-api-routes.ts';
import { paymentRoutes } from './tiki/payment-routes.ts';
import { platformRoutes, REST_BASE_PATH } from './tiki/platform-routes.ts';
import { DEFAULT_SIGNATURE_WINDOW_MS } from './tiki/signed-request.ts';

export type { Fault, FaultRoute } from './controls/faults.ts';
export type { Operation, RequestLogEntry } from './controls/request-log.ts';
export { createOffsetClock, type OffsetClock } from './state/clock.ts';
export type { EmulatorOrder, PaymentOutcome, Seller } from './state/orders.ts';
export { DEFAULT_CUSTOMERS, DEFAULT_LIFETIMES, DEFAULT_SELLERS, developmentApp } from './state/seed.ts';
export type {
  AuthCodeAnswer,
  EmulatorApp,
  EmulatorCustomer,
  IssueAuthCodeInput,
  Lifetimes,
  StateSnapshot,
} from './state/state.ts';
export type { IpnAttempt, IpnRecord } from './tiki/ipn-sender.ts';
export { TikiRejection } from './tiki/rejection.ts';
export { DEFAULT_SIGNATURE_WINDOW_MS } from './tiki/signed-request.ts';

export interface EmulatorOptions {
  /** The clock of codes and tokens. Default: system time plus an offset the emulator owns (HTTP-adjustable). */
  clock?: Clock;
  /**
   * The clock signature timestamps are checked against. Default: `clock` when one is given, else system time,
   * so that moving the emulator's own clock expires tokens without making every caller's signature stale.
   */
  signatureClock?: Clock;
  /** How far (ms, either way) a signature timestamp may be from `signatureClock`. Default 60 s (see signed-request.ts). */
  signatureWindowMs?: number;
  lifetimes?: Partial<Lifetimes>;
  /** Registered apps. Default: the development app (DEV_CLIENT_ID) with ['user_profile', 'offline']. */
  apps?: EmulatorApp[];
  /** Seeded customers. Default: customer 1 "Ti Ni" and a few with Vietnamese names. */
  customers?: EmulatorCustomer[];
  /**
   * Host names (any port) the emulator answers to. Default: 127.0.0.1, localhost and [::1]; any other Host is
   * refused 403 `host_not_allowed`, so a page that re-binds its domain to 127.0.0.1 cannot drive the controls.
   */
  allowedHosts?: readonly string[];
  /** Request log capacity (default 500). Counts are kept for every request regardless. */
  requestLogSize?: number;
  /** Where IPNs go for an app that names no `ipnUrl` of its own (Tini Console's IPN Callback URL); default none. */
  ipnUrl?: string | null;
  /** How long an IPN delivery waits for its answer (Tiki: 15 s). */
  ipnAnswerTimeoutMs?: number;
  /** Tiki's sellers and their SKUs (for `POST /order/multi-sku`). Default: DEFAULT_SELLERS. */
  sellers?: readonly Seller[];
}
/** The three base URLs a Tiki client takes, laid out as Tiki's. */
export type BaseUrls = TikiBaseUrls;

export interface Emulator {
  /** The Express app, for mounting or for driving without a port. */
  readonly handler: Express;
  /** Listens (default 127.0.0.1 on an ephemeral port) and resolves the origin, e.g. 'http://127.0.0.1:53211'. */
  listen(opts?: { port?: number; host?: string }): Promise<string>;
  /** Stops listening, drops open connections and pending latency faults. An emulator listens once. */
  close(): Promise<void>;
  /** The three base URLs to give a Tiki client, laid out as Tiki's. Only after listen. */
  baseUrls(): BaseUrls;
  /** Plays the user answering my.getAuthCode: exactly what its success callback receives. */
  issueAuthCode(i: IssueAuthCodeInput): AuthCodeAnswer;
  addApp(app: EmulatorApp): void;
  addCustomer(c: EmulatorCustomer): void;
  /** Adds a fault (replacing an active one with the same route and kind). */
  setFault(f: Fault): void;
  clearFaults(route?: FaultRoute): void;
  faults(): Fault[];
  /** The request log, oldest first (the last `requestLogSize` requests). */
  requests(): RequestLogEntry[];
  /** Requests ever seen to `route` ('*' = every Tiki route), optionally only those with `verdict`. */
  count(route: FaultRoute, verdict?: string): number;
  /** Requests of an operation whatever the transport: a GraphQL refresh counts as 'refresh'. */
  countOperation(operation: Operation, verdict?: string): number;
  /** Empties the request log and resets the counts. */
  clearRequests(): void;
  /** Revokes every token family of an app and/or customer (the user withdrawing consent). Returns how many. */
  revokeTokens(filter?: { clientId?: string; customerId?: number }): number;
  /** Apps (no secrets), customers, codes and tokens (masked): what /__emulator/ shows. */
  snapshot(): StateSnapshot;
  /**
   * The user on Tiki's payment screen (my.makePayment): success, cancel, abandon (canceled 4 h later), or COD,
   * which needs `paymentMethod: 'cod'` (the app asked for it).
   */
  pay(orderId: string, outcome: PaymentOutcome, paymentMethod?: string): KnownTikiOrder;
  /** The seller ships a processing order: on_delivery. */
  ship(orderId: string): KnownTikiOrder;
  /** Every order, with the emulator's bookkeeping (items, history), oldest first. */
  orders(): EmulatorOrder[];
  /**
   * Where IPNs go for apps without their own `ipnUrl` from now on (Tini Console's IPN Callback URL), e.g. a
   * server that started after the emulator; null sends none. Retries follow it.
   */
  setIpnUrl(url: string | null): void;
  /** Every IPN message and its delivery attempts, oldest first. */
  ipnMessages(): IpnRecord[];
  /** Sends an IPN again now (same message id), outside Tiki's schedule. */
  resendIpn(messageId: string): Promise<IpnAttempt>;
  /** Sends `copies` copies of an IPN at once. */
  duplicateIpn(messageId: string, copies: number): Promise<IpnAttempt[]>;
  /** Sends an order's two latest IPNs again, the newer first. */
  sendIpnsOutOfOrder(orderId: string): Promise<IpnAttempt[]>;
  /**
   * Runs what is due on the clock now (abandoned payments canceled, IPN retries), without waiting for the
   * emulator's own tick (every 250 ms). Tests call it after moving a manual clock.
   */
  runScheduled(): void;
  /** Resolves when every IPN attempt started so far has its answer. */
  ipnSettled(): Promise<void>;
}

/** How often scheduled work (IPN retries, abandoned payments) is looked at, in real time. */
const SCHEDULE_TICK_MS = 250;

function requireLifetimes(lifetimes: Lifetimes): Lifetimes {
  for (const [name, ms] of Object.entries(lifetimes) as [string, number][]) {
    if (!Number.isSafeInteger(ms) || ms <= 0) {
      throw new TypeError(
        `tiki-emulator: lifetimes.${name} must be a positive integer of milliseconds, got ${ms}`,
      );
    }
  }
  // expires_in is whole seconds: under one second it would be 0, which Tiki never sends and clients refuse.
  if (lifetimes.accessTokenMs < 1000) {
    throw new TypeError(
      `tiki-emulator: lifetimes.accessTokenMs must be at least 1000 (expires_in is in seconds), got ${lifetimes.accessTokenMs}`,
    );
  }
  return lifetimes;
}

export function createEmulator(o: EmulatorOptions = {}): Emulator {
  const clock = o.clock ?? createOffsetClock(systemClock);
  const signatureClock = o.signatureClock ?? o.clock ?? systemClock;
  const signatureWindowMs = o.signatureWindowMs ?? DEFAULT_SIGNATURE_WINDOW_MS;
  if (!Number.isSafeInteger(signatureWindowMs) || signatureWindowMs <= 0) {
    throw new TypeError(
      `tiki-emulator: signatureWindowMs must be a positive integer of milliseconds, got ${signatureWindowMs}`,
    );
  }
  const state = createState({
    clock,
    lifetimes: requireLifetimes({ ...DEFAULT_LIFETIMES, ...o.lifetimes }),
    apps: o.apps ?? [developmentApp()],
    customers: o.customers ?? [...DEFAULT_CUSTOMERS],
  });
  const faults = createFaultBoard();
  const consent = createConsentPlanBoard();
  const log = createRequestLog(o.requestLogSize ?? 500);
  const shutdown = new AbortController();
  const ipn = createIpnSender({
    clock,
    signatureClock,
    getApp: state.getApp,
    defaultUrl: o.ipnUrl ?? null,
    log,
    ...(o.ipnAnswerTimeoutMs === undefined ? {} : { answerTimeoutMs: o.ipnAnswerTimeoutMs }),
  });
  const orders = createOrderBook({
    clock,
    customerExists: (id) => state.hasCustomer(Number(id)),
    amountLimit: (clientId) => state.getApp(clientId)?.orderAmountLimit ?? ORDER_AMOUNT_LIMIT_VND,
    sellers: o.sellers ?? DEFAULT_SELLERS,
    notify: (order, clientId) => ipn.notify(order, clientId),
  });
  const runScheduled = () => {
    orders.expireDue();
    ipn.runDue();
  };
  const ticker = setInterval(runScheduled, SCHEDULE_TICK_MS);
  ticker.unref();
  shutdown.signal.addEventListener('abort', () => {
    clearInterval(ticker);
    ipn.close();
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Exact paths, as on Tiki (see router.ts); the mount points below match the same way.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.use(trackRequests(log, clock));
  app.use(allowOnlyHosts(o.allowedHosts ?? LOOPBACK_HOSTS));
  app.use(refuseTikiPreflight);
  app.use(
    REST_BASE_PATH,
    platformRoutes({ state, faults, signatureClock, signatureWindowMs, shutdown: shutdown.signal }),
  );
  app.use(
    REST_BASE_PATH,
    paymentRoutes({ state, orders, faults, signatureClock, signatureWindowMs, shutdown: shutdown.signal }),
  );
  app.use(graphqlRoutes({ state, faults, signatureClock, signatureWindowMs, shutdown: shutdown.signal }));
  app.use(openApiRoutes({ state, faults, shutdown: shutdown.signal }));
  app.use(
    CONTROL_BASE_PATH,
    controlRoutes({ state, faults, consent, orders, ipn, log, clock, runScheduled }),
  );
  app.use(notFound);
  app.use(answerErrors);

  let server: Server | null = null;
  let origin: string | null = null;

  return {
    handler: app,
    async listen(opts = {}) {
      if (server !== null || shutdown.signal.aborted)
        throw new Error('tiki-emulator: an emulator listens once');
      const created = createServer(app);
      created.on('clientError', answerUnparsableRequest);
      server = created;
      created.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
      await once(created, 'listening');
      const address = created.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      origin = `http://${host}:${address.port}`;
      return origin;
    },
    async close() {
      shutdown.abort();
      const current = server;
      if (current === null || !current.listening) return;
      const closed = once(current, 'close');
      current.close();
      current.closeAllConnections();
      await closed;
    },
    baseUrls() {
      if (origin === null) throw new Error('tiki-emulator: baseUrls() needs listen() first');
      return {
        restBaseUrl: `${origin}${REST_BASE_PATH}`,
        graphqlUrl: `${origin}${GRAPHQL_PATH}`,
        openApiBaseUrl: origin,
      };
    },
    issueAuthCode: (i) => state.issueAuthCode(i),
    addApp: (a) => state.addApp(a),
    addCustomer: (c) => state.addCustomer(c),
    setFault: (f) => {
      const parsed = FaultSchema.safeParse(f);
      if (!parsed.success)
        throw new TypeError(`tiki-emulator: invalid fault: ${parsed.error.issues[0]?.message}`);
      faults.set(parsed.data);
    },
    clearFaults: (route) => faults.clear(route),
    faults: () => faults.active(),
    requests: () => log.entries(),
    count: (route, verdict) => log.count(route, verdict),
    countOperation: (operation, verdict) => log.countOperation(operation, verdict),
    clearRequests: () => log.clear(),
    revokeTokens: (filter = {}) => state.revokeTokens(filter),
    snapshot: () => state.snapshot(),
    pay: (orderId, outcome, paymentMethod) => wireOrder(orders.pay(orderId, outcome, paymentMethod)),
    ship: (orderId) => wireOrder(orders.ship(orderId)),
    orders: () => orders.all().map((order) => structuredClone(order)),
    setIpnUrl: (url) => ipn.setDefaultUrl(url),
    ipnMessages: () => ipn.records(),
    resendIpn: (messageId) => ipn.resend(messageId),
    duplicateIpn: (messageId, copies) => ipn.duplicate(messageId, copies),
    sendIpnsOutOfOrder: (orderId) => ipn.outOfOrder(orderId),
    runScheduled,
    ipnSettled: () => ipn.settled(),
  };
}
