import type { Clock } from '@tini-starter/tiki-platform/clock';
import type { Request, RequestHandler, Response, Router } from 'express';
import type * as z from 'zod';
import { decodeJson, rawBodyOf, readRawBody, requireJsonContentType } from '../http/json-body.ts';
import { contextOf } from '../http/request-context.ts';
import { exactRouter } from '../http/router.ts';
import { isAdjustableClock } from '../state/clock.ts';
import { type EmulatorOrder, type OrderBook, wireOrder } from '../state/orders.ts';
import type { EmulatorState } from '../state/state.ts';
import type { IpnSender } from '../tiki/ipn-sender.ts';
import { envelopeOf, TikiRejection } from '../tiki/rejection.ts';
import {
  type ConsentPlan,
  type ConsentPlanBoard,
  ConsentPlanSchema,
  describeConsentPlan,
} from './consent-plan.ts';
import {
  AuthCodeRequestSchema,
  ClockRequestSchema,
  CustomerRequestSchema,
  DuplicateRequestSchema,
  FaultsRequestSchema,
  PayRequestSchema,
  RevocationRequestSchema,
} from './control-schemas.ts';
import { type FaultBoard, FaultRouteSchema } from './faults.ts';
import type { RequestLog } from './request-log.ts';
import { renderStatePage } from './state-page.ts';

export const CONTROL_BASE_PATH = '/__emulator';

/** The largest instant a Date holds (ECMAScript: 100,000,000 days after the epoch). */
/**
 * The latest instant the clock may be moved to: the end of the year 9999. A Date holds up to 8.64e15 ms (year
 * 275760), but the clock keeps running after it is set, and token expiries are computed ahead of it: stopping
 * at 9999 leaves some 270,000 years of room, so GET /clock and the page never meet an instant Date cannot print.
 */
const LATEST_CLOCK_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export interface ControlRouteDeps {
  state: EmulatorState;
  faults: FaultBoard;
  consent: ConsentPlanBoard;
  orders: OrderBook;
  ipn: IpnSender;
  /** Runs what is due on the clock (after the clock moved, so that nothing waits for the next tick). */
  runScheduled: () => void;
  log: RequestLog;
  clock: Clock;
}

/** The same strict reading as Tiki's routes (raw bytes, UTF-8, no inflation), then the control's schema. */
function parseControlBody<T>(req: Request, schema: z.ZodType<T>): T {
  requireJsonContentType(req);
  const parsed = schema.safeParse(decodeJson(rawBodyOf(req)));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? 'body' : `field "${issue.path.join('.')}"`;
  throw new TikiRejection('invalid_request', `${where}: ${issue?.message ?? 'invalid'}`);
}

/**
 * The page's form is the one control that takes a form body, which any web page can post cross-site: it must
 * come from the emulator's own page (the browser's Origin, and Sec-Fetch-Site where sent).
 */
function requireSameOrigin(req: Request): void {
  const origin = req.get('origin');
  const site = req.get('sec-fetch-site');
  const own = origin !== undefined && origin === `${req.protocol}://${req.get('host')}`;
  if (!own || (site !== undefined && site !== 'same-origin')) {
    throw new TikiRejection(
      'forbidden_origin',
      `the consent form is accepted from the emulator's own page only (Origin ${JSON.stringify(origin ?? 'none')})`,
      403,
    );
  }
}

/** A form the page posts (one value per field), read with a control's schema. */
function parseForm<T>(req: Request, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(Object.fromEntries(new URLSearchParams(rawBodyOf(req).toString('utf8'))));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new TikiRejection(
    'invalid_request',
    `field "${issue?.path.join('.')}": ${issue?.message ?? 'invalid'}`,
  );
}

/** The page's form: action=clear, or the choice (an empty customer is the default one). */
function planFromForm(req: Request): ConsentPlan | null {
  const form = new URLSearchParams(rawBodyOf(req).toString('utf8'));
  if (form.get('action') === 'clear') return null;
  const customer = form.get('customerId') ?? '';
  const parsed = ConsentPlanSchema.safeParse({
    ...(customer === '' ? {} : { customerId: Number(customer) }),
    refuse: form.getAll('refuse'),
    notAllowed: form.getAll('notAllowed'),
    cancel: form.get('cancel') === 'on',
  });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new TikiRejection(
    'invalid_request',
    `field "${issue?.path.join('.')}": ${issue?.message ?? 'invalid'}`,
  );
}

/**
 * An order control that the page's buttons post as a form (accepted from the page's own origin, then back to the
 * page's Orders table) and tests or the mini app post as JSON (answered with the order).
 */
function orderControl(
  act: (req: Request, fromPage: boolean) => { order: EmulatorOrder; message: string },
): RequestHandler {
  return control((req, res) => {
    const fromPage = req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
    if (fromPage) requireSameOrigin(req);
    const { order, message } = act(req, fromPage);
    contextOf(res).message = message;
    if (!fromPage) return { order: wireOrder(order) };
    res.redirect(303, `${CONTROL_BASE_PATH}/#orders`);
    return undefined;
  });
}

/** A control that waits for something outside (an IPN delivery): its TikiRejection answered as control()'s. */
function controlAsync(handle: (req: Request) => Promise<unknown>): RequestHandler {
  return async (req, res) => {
    const context = contextOf(res);
    try {
      const body = await handle(req);
      context.verdict = 'ok';
      res.json(body);
    } catch (error) {
      if (!(error instanceof TikiRejection)) throw error;
      context.verdict = error.reason;
      context.message = error.message;
      res.status(error.status).json(envelopeOf(error));
    }
  };
}

/** A control handler: synchronous, its TikiRejection answered as an envelope and noted in the log. */
function control(handle: (req: Request, res: Response) => unknown): RequestHandler {
  return (req, res) => {
    const context = contextOf(res);
    try {
      const body = handle(req, res);
      context.verdict = 'ok';
      if (!res.headersSent) res.json(body);
    } catch (error) {
      if (!(error instanceof TikiRejection)) throw error;
      context.verdict = error.reason;
      context.message = error.message;
      res.status(error.status).json(envelopeOf(error));
    }
  };
}

/** The consent endpoint is called from the mini app in Tini Studio's simulator, another origin. */
const allowCors: RequestHandler = (req, res, next) => {
  res.set({
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': 'content-type',
    'access-control-max-age': '600',
  });
  if (req.method === 'OPTIONS') {
    contextOf(res).unlogged = true;
    res.status(204).end();
    return;
  }
  next();
};

/** Development and test controls under /__emulator/: not part of Tiki. */
export function controlRoutes(deps: ControlRouteDeps): Router {
  const { state, faults, consent, orders, ipn, log, clock, runScheduled } = deps;
  const router = exactRouter();
  router.use((req, res, next) => {
    const context = contextOf(res);
    context.route = 'emulator';
    // Reading the page or the log is not an event worth logging (the page would fill the log it shows).
    if (req.method === 'GET' || req.method === 'HEAD') context.unlogged = true;
    next();
  });
  router.use(readRawBody);

  router.get('/', (req, res) => {
    const refresh = typeof req.query.refresh === 'string' ? Number(req.query.refresh) : Number.NaN;
    res.set({
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
      'cache-control': 'no-store',
    });
    res.type('html').send(
      renderStatePage({
        state: state.snapshot(),
        faults: faults.active(),
        requests: log.entries(),
        clockAdjustable: isAdjustableClock(clock),
        consent: consent.pending(),
        consentAction: `${CONTROL_BASE_PATH}/consent`,
        orders: orders.all(),
        ipn: ipn.records(),
        controlBasePath: CONTROL_BASE_PATH,
        ...(Number.isInteger(refresh) && refresh >= 1 && refresh <= 3600 ? { refreshSeconds: refresh } : {}),
      }),
    );
  });

  router.options('/auth-codes', allowCors);
  router.post(
    '/auth-codes',
    allowCors,
    control((req, res) => {
      const body = parseControlBody(req, AuthCodeRequestSchema);
      const plan = consent.pending();
      if (plan === null) return state.issueAuthCode(body);
      if (plan.cancel) {
        consent.clear();
        throw new TikiRejection(
          'user_cancelled',
          'the user cancelled the consent (the emulator page chose so)',
          409,
        );
      }
      const answer = state.issueAuthCode({
        ...body,
        ...(plan.customerId === undefined ? {} : { customerId: plan.customerId }),
        deny: [...(body.deny ?? []), ...plan.refuse],
        notAllowed: plan.notAllowed,
      });
      // Taken only once the code is issued: a request the emulator refused leaves the choice for the next one.
      consent.clear();
      contextOf(res).message = `the page's choice: ${describeConsentPlan(plan)}`;
      return answer;
    }),
  );

  /** The consent panel: JSON from a test or a script, or the page's form (which then goes back to the page). */
  router.get(
    '/consent',
    control(() => ({ consent: consent.pending() })),
  );
  router.post(
    '/consent',
    control((req, res) => {
      const fromPage = req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
      if (fromPage) requireSameOrigin(req);
      const plan = fromPage ? planFromForm(req) : parseControlBody(req, ConsentPlanSchema);
      if (plan === null) consent.clear();
      else {
        if (plan.customerId !== undefined) state.requireCustomer(plan.customerId);
        consent.set(plan);
      }
      contextOf(res).message =
        plan === null ? 'next consent: the default' : `next consent: ${describeConsentPlan(plan)}`;
      if (fromPage) {
        res.redirect(303, `${CONTROL_BASE_PATH}/#consent`);
        return;
      }
      return { consent: consent.pending() };
    }),
  );
  router.delete(
    '/consent',
    control(() => {
      consent.clear();
      return { consent: null };
    }),
  );

  router.get(
    '/state',
    control(() => state.snapshot()),
  );

  router.get(
    '/faults',
    control(() => ({ faults: faults.active() })),
  );
  router.post(
    '/faults',
    control((req) => {
      const body = parseControlBody(req, FaultsRequestSchema);
      for (const fault of Array.isArray(body) ? body : [body]) faults.set(fault);
      return { faults: faults.active() };
    }),
  );
  router.delete(
    '/faults',
    control((req) => {
      const route = req.query.route;
      if (route === undefined) faults.clear();
      else {
        const parsed = FaultRouteSchema.safeParse(route);
        if (!parsed.success) {
          throw new TikiRejection(
            'invalid_request',
            `route must be one of ${FaultRouteSchema.options.join(', ')}`,
          );
        }
        faults.clear(parsed.data);
      }
      return { faults: faults.active() };
    }),
  );

  router.get(
    '/clock',
    control(() => ({
      nowMs: clock.now(),
      now: new Date(clock.now()).toISOString(),
      adjustable: isAdjustableClock(clock),
    })),
  );
  router.post(
    '/clock',
    control((req) => {
      if (!isAdjustableClock(clock)) {
        throw new TikiRejection(
          'clock_not_adjustable',
          'this emulator runs on a clock it does not own; move that clock in the test instead',
          409,
        );
      }
      const body = parseControlBody(req, ClockRequestSchema);
      const target = 'advanceMs' in body ? clock.now() + body.advanceMs : body.nowMs;
      if (!(target >= 0 && target <= LATEST_CLOCK_MS)) {
        throw new TikiRejection(
          'invalid_request',
          `the clock would move to ${target} ms, outside 0 to ${LATEST_CLOCK_MS} (1970 to the end of 9999, so that it can keep running)`,
        );
      }
      if ('advanceMs' in body) clock.advance(body.advanceMs);
      else clock.set(body.nowMs);
      runScheduled();
      return { nowMs: clock.now(), now: new Date(clock.now()).toISOString(), adjustable: true };
    }),
  );

  router.get(
    '/requests',
    control((req) => {
      const route = typeof req.query.route === 'string' ? req.query.route : undefined;
      const verdict = typeof req.query.verdict === 'string' ? req.query.verdict : undefined;
      const requests = log.entries().filter(
        (entry) =>
          (route === undefined || entry.route === route) &&
          // Tiki's reason ('invalid_signature') or the verifier's ('signature_mismatch'), as the README says.
          (verdict === undefined || entry.verdict === verdict || entry.signatureProblem === verdict),
      );
      return { requests };
    }),
  );
  router.delete(
    '/requests',
    control(() => {
      log.clear();
      return { requests: [] };
    }),
  );

  // The development mini app's payment screen reads it (another origin in Tini Studio's simulator).
  router.get(
    '/orders',
    allowCors,
    control(() => ({ orders: orders.all() })),
  );
  /** Tiki's payment screen: JSON from a test or the development mini app, or the page's buttons (a form). */
  router.options('/orders/:orderId/pay', allowCors);
  router.post(
    '/orders/:orderId/pay',
    allowCors,
    orderControl((req, fromPage) => {
      const { outcome, paymentMethod } = fromPage
        ? parseForm(req, PayRequestSchema)
        : parseControlBody(req, PayRequestSchema);
      const order = orders.pay(String(req.params.orderId), outcome, paymentMethod);
      return { order, message: `order ${order.id}: ${outcome}, now ${order.status}` };
    }),
  );

  /** The seller hands the order to the carrier (processing -> on_delivery). */
  router.post(
    '/orders/:orderId/ship',
    orderControl((req) => {
      const order = orders.ship(String(req.params.orderId));
      return { order, message: `order ${order.id}: shipped, now ${order.status}` };
    }),
  );

  /** Tiki cancels a paid order on its side (a refund through its support): the app hears of it by IPN. */
  router.post(
    '/orders/:orderId/cancel',
    orderControl((req) => {
      const order = orders.cancelAtTiki(String(req.params.orderId));
      return { order, message: `order ${order.id}: canceled at Tiki` };
    }),
  );

  router.get(
    '/ipn',
    control(() => ({ messages: ipn.records() })),
  );
  router.post(
    '/ipn/:messageId/resend',
    controlAsync(async (req) => ({ attempt: await ipn.resend(knownMessage(req)) })),
  );
  router.post(
    '/ipn/:messageId/duplicate',
    controlAsync(async (req) => {
      const { copies } =
        rawBodyOf(req).length === 0 ? { copies: 2 } : parseControlBody(req, DuplicateRequestSchema);
      return { attempts: await ipn.duplicate(knownMessage(req), copies) };
    }),
  );
  router.post(
    '/orders/:orderId/ipn-out-of-order',
    controlAsync(async (req) => {
      const orderId = String(req.params.orderId);
      if (ipn.records().filter((r) => r.orderId === orderId).length < 2) {
        throw new TikiRejection('invalid_request', `order ${orderId} has fewer than two IPN messages`, 409);
      }
      return { attempts: await ipn.outOfOrder(orderId) };
    }),
  );

  function knownMessage(req: Request): string {
    const messageId = String(req.params.messageId);
    if (!ipn.records().some((r) => r.messageId === messageId)) {
      throw new TikiRejection('not_found', `no IPN message ${messageId}`, 404);
    }
    return messageId;
  }

  router.post(
    '/revocations',
    control((req) => {
      const body = parseControlBody(req, RevocationRequestSchema);
      return { revokedFamilies: state.revokeTokens(body) };
    }),
  );

  router.post(
    '/customers',
    control((req) => {
      const body = parseControlBody(req, CustomerRequestSchema);
      state.addCustomer(body);
      return { customer: body };
    }),
  );

  router.use(
    control((req) => {
      throw new TikiRejection(
        'not_found',
        `no emulator control ${req.method} ${CONTROL_BASE_PATH}${req.path}`,
        404,
      );
    }),
  );
  return router;
}
