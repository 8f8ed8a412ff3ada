/**
 * The Caller (auth/login.ts) of an HTTP request: the request's id, and a logger made only when something logs.
 *
 * A class, so that the lazy `log` is one getter on a shared prototype. An object literal with a getter of its
 * own (`{ get log() { … } }`) costs far more than it looks: V8 keeps such an object's properties in a
 * dictionary, with an accessor pair allocated in the old generation, and that pair points at the getter's
 * closure and so at the whole request. After the request ended, the dead pair kept all of it reachable through
 * every young-generation collection until the next full one. The login's Map of running exchanges did the same
 * (auth/login.ts); with both fixed, each young collection under the bench's login load copies less
 * (`--trace-gc-nvp`), which the bench's login row shows.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Caller } from '../auth/login.ts';

export class RequestCaller implements Caller {
  readonly requestId: string;
  readonly countedAttempt: string | undefined;
  private readonly req: IncomingMessage;
  private readonly bindings: Record<string, unknown> | undefined;
  private made: Logger | undefined = undefined;

  /**
   * `bindings`: fields every line logged for this caller carries besides the request id (the logger is then a
   * child of the request's). `countedAttempt`: see Caller.
   */
  constructor(
    req: IncomingMessage,
    o: { bindings?: Record<string, unknown>; countedAttempt?: string | undefined } = {},
  ) {
    this.req = req;
    this.requestId = req.id;
    this.bindings = o.bindings;
    this.countedAttempt = o.countedAttempt;
  }

  get log(): Logger {
    this.made ??= this.bindings === undefined ? this.req.log : this.req.log.child(this.bindings);
    return this.made;
  }
}
