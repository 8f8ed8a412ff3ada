import * as z from 'zod';

/** Which Tiki route a fault applies to; '*' is every one of them (not the emulator's own controls). */
export const FaultRouteSchema = z.enum([
  'token',
  'refresh',
  'me',
  'graphql',
  'profile',
  'create_order',
  'get_order',
  'list_orders',
  'complete_order',
  'cancel_order',
  '*',
]);
export type FaultRoute = z.infer<typeof FaultRouteSchema>;

const times = z.number().int().positive().optional();

/** A fault is written once, as this schema: the controls validate with it and the type is inferred from it. */
export const FaultSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    route: FaultRouteSchema,
    kind: z.literal('latency'),
    ms: z.number().int().min(0).max(600_000),
    times,
  }),
  z.strictObject({
    route: FaultRouteSchema,
    kind: z.literal('status'),
    status: z.number().int().min(400).max(599),
    /** The envelope's reason (default `emulated_fault`); "" plays a refusal without one, as Tiki may send. */
    reason: z.string().max(64).optional(),
    times,
  }),
  z.strictObject({ route: FaultRouteSchema, kind: z.literal('drop_connection'), times }),
  z.strictObject({ route: FaultRouteSchema, kind: z.literal('drop_response_after_commit'), times }),
]);

export type Fault = z.infer<typeof FaultSchema>;

type ActiveFault = Fault & { remaining: number | null };
type TerminalFault = Exclude<Fault, { kind: 'latency' }>;

/** What to do to one request: wait, then maybe answer a status or drop the connection (before or after commit). */
export interface FaultPlan {
  latencyMs: number;
  terminal: TerminalFault | null;
  /** Human-readable, for the request log: 'latency 200ms, status 503'. */
  description: string | null;
}

export interface FaultBoard {
  /** Adds a fault; it replaces an active one with the same route and kind. */
  set(fault: Fault): void;
  /** Clears every fault, or only those registered for `route`. */
  clear(route?: FaultRoute): void;
  active(): Fault[];
  /** The faults that apply to one request to `route`, counting down their `times`. */
  take(route: Exclude<FaultRoute, '*'>): FaultPlan;
}

export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'latency':
      return `latency ${fault.ms}ms`;
    case 'status':
      return `status ${fault.status}`;
    default:
      return fault.kind;
  }
}

export function createFaultBoard(): FaultBoard {
  let faults: ActiveFault[] = [];

  function set(fault: Fault): void {
    faults = faults.filter((f) => !(f.route === fault.route && f.kind === fault.kind));
    if (fault.times === 0) return;
    faults.push({ ...fault, remaining: fault.times ?? null });
  }

  function take(route: Exclude<FaultRoute, '*'>): FaultPlan {
    let latencyMs = 0;
    let terminal: TerminalFault | null = null;
    const applied: string[] = [];
    for (const fault of faults) {
      if (fault.route !== route && fault.route !== '*') continue;
      if (fault.kind !== 'latency' && terminal !== null) continue;
      if (fault.remaining !== null) fault.remaining -= 1;
      const { remaining: _remaining, ...plain } = fault;
      if (plain.kind === 'latency') latencyMs += plain.ms;
      else terminal = plain;
      applied.push(describeFault(plain));
    }
    faults = faults.filter((f) => f.remaining === null || f.remaining > 0);
    return { latencyMs, terminal, description: applied.length === 0 ? null : applied.join(', ') };
  }

  return {
    set,
    clear: (route) => {
      faults = route === undefined ? [] : faults.filter((f) => f.route !== route);
    },
    active: () =>
      faults.map(({ remaining, ...fault }) => (remaining === null ? fault : { ...fault, times: remaining })),
    take,
  };
}
