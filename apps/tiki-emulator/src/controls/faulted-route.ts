import { setTimeout as delay } from 'node:timers/promises';
import type { Request, RequestHandler, Response } from 'express';
import { contextOf, type RequestContext } from '../http/request-context.ts';
import { TikiRejection } from '../tiki/rejection.ts';
import type { FaultBoard, FaultRoute } from './faults.ts';

export interface Outcome {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface FaultedRouteDeps {
  faults: FaultBoard;
  /** Aborted when the emulator closes, so a pending latency fault does not hold it open. */
  shutdown: AbortSignal;
}

/**
 * Runs one Tiki route under the fault board: latency first (a timer, other requests keep flowing), then a
 * status or a dropped connection instead of the handler, or the handler and then a dropped response.
 *
 * `handle` is synchronous on purpose: between checking and consuming a credential nothing else may run.
 * It throws TikiRejection for Tiki's answers; `reject` renders one in the route family's error shape.
 */
export function faultedRoute(
  deps: FaultedRouteDeps,
  route: Exclude<FaultRoute, '*'>,
  handle: (req: Request, context: RequestContext) => Outcome,
  reject: (rejection: TikiRejection) => Outcome,
): RequestHandler {
  return async (req, res) => {
    const context = contextOf(res);
    const plan = deps.faults.take(route);
    if (plan.description !== null) context.fault = plan.description;
    if (plan.latencyMs > 0) {
      try {
        await delay(plan.latencyMs, undefined, { signal: deps.shutdown });
      } catch {
        req.socket.destroy();
        return;
      }
      if (req.socket.destroyed) return;
    }
    const terminal = plan.terminal;
    if (terminal?.kind === 'drop_connection') {
      context.verdict = 'emulated_fault';
      req.socket.destroy();
      return;
    }
    if (terminal?.kind === 'status') {
      const message = `emulated fault: status ${terminal.status}`;
      context.verdict = 'emulated_fault';
      context.message = message;
      send(res, reject(new TikiRejection(terminal.reason ?? 'emulated_fault', message, terminal.status)));
      return;
    }
    let outcome: Outcome;
    try {
      outcome = handle(req, context);
      context.verdict ??= 'ok';
    } catch (error) {
      if (!(error instanceof TikiRejection)) throw error;
      context.verdict = error.reason;
      context.message = error.message;
      if (error.expectedPayload !== undefined) context.expectedPayload = error.expectedPayload;
      if (error.signatureProblem !== undefined) context.signatureProblem = error.signatureProblem;
      outcome = reject(error);
    }
    if (terminal?.kind === 'drop_response_after_commit') {
      req.socket.destroy();
      return;
    }
    send(res, outcome);
  };
}

function send(res: Response, outcome: Outcome): void {
  res.status(outcome.status);
  if (outcome.headers !== undefined) res.set(outcome.headers);
  res.json(outcome.body);
}
