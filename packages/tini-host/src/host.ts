/**
 * A Tini host, once for every runtime: the globals a mini app's logic thread sees (`App`, `Page`, `getApp`,
 * `getCurrentPages`, `my`, `console`, timers and nothing else), the App and Page lifecycle, and the `my` APIs
 * the starter uses. `my.request` is real HTTP; `my.getAuthCode` and `my.makePayment` ask whatever the caller
 * plugs in (the emulator's consent and payment screen); storage survives relaunches when the same
 * `HostStorage` is passed again.
 *
 * What differs between runtimes is the HostRuntime: node.ts runs the built scripts in a `node:vm` realm (the
 * tests); a browser runs them in a page (the preview). Where Tini's behaviour is not documented, this follows
 * the mini program family Tini derives from, and says so where it matters.
 */
import { applySetData } from './set-data.ts';

/** What a runtime provides: the app's files, a realm to run them in, a task queue and HTTP. */
export interface HostRuntime {
  /** The text of a file of the built app, by its path inside it (`app.json`, `pages/index/index.js`). */
  readFile(file: string): string;
  /** Runs one script of the app with `globals` as its globals. */
  runScript(source: string, file: string, globals: Record<string, unknown>): void;
  /** A value handed to the app, made in the app's own realm (as a real host's values are). */
  intoRealm(value: unknown): unknown;
  /** Runs `fn` after the current task: where callbacks of `my` APIs are called. */
  later(fn: () => void): void;
  /** HTTP for `my.request`. */
  fetch: typeof fetch;
}

/** What `my.getAuthCode` does: answer like the consent sheet, or fail like the host. */
export type AuthCodeOutcome =
  | { success: Record<string, unknown> }
  | { fail: { error: number; errorMessage: string } };
export type AuthCodeProvider = (scopes: string[]) => AuthCodeOutcome | Promise<AuthCodeOutcome>;

/** What `my.makePayment` does for an order id: the payment screen's outcome, or the host failing. */
export type PaymentOutcome = { success: unknown } | { fail: unknown };
export type PaymentProvider = (orderId: string) => PaymentOutcome | Promise<PaymentOutcome>;

/** Tini Studio without a Tini Console app: the host cannot open Tiki's payment screen. */
export const hostCannotPay: PaymentProvider = () => ({
  fail: { error: 11, errorMessage: 'payment is not available for this app' },
});

/**
 * How `my.request` reports results. 'documented': `{ data, status, headers }` for 2xx, and HTTP errors
 * through `fail` with error 19 plus `status` and `data` (the family's behaviour). 'success-always': every
 * status through `success`. 'bare': `success` receives the parsed body only (as some of Tiki's samples read
 * it), HTTP errors through `fail`.
 */
export type RequestStyle = 'documented' | 'success-always' | 'bare';

/** Stored values as JSON text, so that nothing of one launch's realm leaks into the next. */
export type HostStorage = Map<string, string>;

export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
  timeout: number | undefined;
}

export interface HostLog {
  requests: SentRequest[];
  authCodeCalls: { scopes: string[] }[];
  /** The order ids my.makePayment was called with. */
  payments: string[];
  /** The urls of my.navigateTo. */
  navigations: string[];
  /** The items of each my.showActionSheet. */
  actionSheets: string[][];
  toasts: Record<string, unknown>[];
  /** What the app wrote to `console` (kept here rather than printed, so test output stays readable). */
  console: { level: 'log' | 'info' | 'warn' | 'error'; text: string }[];
}

/** What the host does for the app: where consent, payments and taps come from, and what it starts on. */
export interface HostOptions {
  authCodes: AuthCodeProvider;
  storage?: HostStorage;
  /**
   * A host with encrypted storage (`my.canIUse('setEncryptedStorage')` is true) keeps those values here; a
   * host without it (the default, as older runtimes) answers false and has no `my.*EncryptedStorage`.
   */
  encryptedStorage?: HostStorage;
  requestStyle?: RequestStyle;
  /** Launch query, given to App.onLaunch and the first page's onLoad. */
  query?: Record<string, string>;
  /** The page to open (default: the first of app.json), as the host does for a deep link. */
  route?: string;
  /** What my.makePayment does; default: the host cannot pay (Tini Studio without a Tini Console app). */
  payments?: PaymentProvider;
  /** The index the user taps in my.showActionSheet, or null to close it; default: closes it. */
  actionSheet?: (items: string[]) => number | null;
}

type Handler = (this: unknown, ...args: unknown[]) => unknown;

export interface PageDriver {
  readonly route: string;
  /** The page object as `Page(...)` received it (handlers, lifecycle, initial data). */
  readonly options: Record<string, unknown>;
  /** A plain copy of the page's current data. */
  data(): Record<string, unknown>;
  /** Calls a handler named in the .txml, like a tap; resolves when the handler's promise settles. */
  tap(handler: string, dataset?: Record<string, unknown>): Promise<void>;
  /** Resolves once every lifecycle call and handler started so far (and those they started) has settled. */
  idle(): Promise<void>;
}

export interface LaunchedApp {
  page: PageDriver;
  log: HostLog;
  storage: HostStorage;
  /** The number of `setData` calls made by the page so far. */
  setDataCount(): number;
}

export function startHost(runtime: HostRuntime, o: HostOptions): LaunchedApp {
  const storage = o.storage ?? new Map<string, string>();
  const log = emptyLog();
  const pending = new Set<Promise<unknown>>();
  let setDataCalls = 0;

  let appInstance: Record<string, unknown> | null = null;
  let pageOptions: Record<string, unknown> | null = null;
  const pageStack: Record<string, unknown>[] = [];

  const { intoRealm, later } = runtime;
  const track = (value: unknown): void => {
    if (value && typeof (value as Promise<unknown>).then === 'function') {
      const settled = Promise.resolve(value as Promise<unknown>).then(
        () => undefined,
        (error: unknown) => {
          throw error;
        },
      );
      pending.add(settled);
      settled.then(
        () => pending.delete(settled),
        () => pending.delete(settled),
      );
    }
  };

  const my = {
    request: (options: Record<string, unknown>) => {
      sendRequest(options, o.requestStyle ?? 'documented', log, runtime);
    },
    getAuthCode: (options: Record<string, unknown>) => {
      const scopes = toScopeList(options.scopes);
      log.authCodeCalls.push({ scopes });
      Promise.resolve(o.authCodes(scopes)).then(
        (outcome) =>
          later(() => {
            if ('success' in outcome) call(options.success, intoRealm(outcome.success));
            else call(options.fail, intoRealm(outcome.fail));
            call(options.complete);
          }),
        (error: unknown) =>
          later(() => {
            call(options.fail, intoRealm({ error: 3, errorMessage: String(error) }));
            call(options.complete);
          }),
      );
    },
    getStorage: (options: { key: string } & Record<string, unknown>) => {
      const text = storage.get(options.key);
      later(() => {
        call(options.success, intoRealm({ data: text === undefined ? null : JSON.parse(text) }));
        call(options.complete);
      });
    },
    setStorage: (options: { key: string; data: unknown } & Record<string, unknown>) => {
      storage.set(options.key, JSON.stringify(options.data));
      later(() => {
        call(options.success);
        call(options.complete);
      });
    },
    removeStorage: (options: { key: string } & Record<string, unknown>) => {
      storage.delete(options.key);
      later(() => {
        call(options.success);
        call(options.complete);
      });
    },
    canIUse: (feature: unknown) =>
      o.encryptedStorage !== undefined &&
      ['setEncryptedStorage', 'getEncryptedStorage', 'removeEncryptedStorage'].includes(String(feature)),
    ...(o.encryptedStorage === undefined ? {} : encryptedStorageApis(o.encryptedStorage, later, intoRealm)),
    showToast: (options: Record<string, unknown>) => {
      log.toasts.push(JSON.parse(JSON.stringify(options)));
    },
    makePayment: (options: Record<string, unknown>) => {
      const orderId = String(options.orderId);
      log.payments.push(orderId);
      Promise.resolve((o.payments ?? hostCannotPay)(orderId)).then((outcome) =>
        later(() => {
          if ('success' in outcome) call(options.success, intoRealm(outcome.success));
          else call(options.fail, intoRealm(outcome.fail));
          call(options.complete);
        }),
      );
    },
    navigateTo: (options: Record<string, unknown>) => {
      log.navigations.push(String(options.url));
      later(() => call(options.success));
    },
    showActionSheet: (options: Record<string, unknown>) => {
      const items = Array.isArray(options.items) ? options.items.map(String) : [];
      log.actionSheets.push(items);
      const index = o.actionSheet?.(items) ?? null;
      later(() => {
        if (index === null) call(options.fail, intoRealm({ error: 11, errorMessage: 'closed' }));
        else call(options.success, intoRealm({ index }));
        call(options.complete);
      });
    },
  };

  const record =
    (level: HostLog['console'][number]['level']) =>
    (...args: unknown[]) =>
      log.console.push({
        level,
        text: args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a))).join(' '),
      });
  const globals: Record<string, unknown> = {
    my,
    console: { log: record('log'), info: record('info'), warn: record('warn'), error: record('error') },
    setTimeout,
    clearTimeout,
    App: (options: Record<string, unknown>) => {
      if (appInstance !== null) throw new Error('App() was called twice');
      appInstance = options;
    },
    getApp: () => {
      if (appInstance === null) throw new Error('getApp() before App()');
      return appInstance;
    },
    Page: (options: Record<string, unknown>) => {
      if (pageOptions !== null) throw new Error('Page() was called twice in one page file');
      pageOptions = options;
    },
    getCurrentPages: () => [...pageStack],
  };

  const run = (file: string) => runtime.runScript(runtime.readFile(file), file, globals);

  const appJson = JSON.parse(runtime.readFile('app.json')) as { pages: string[] };
  const route = o.route ?? appJson.pages[0];
  if (route === undefined) throw new Error('app.json lists no page');
  if (!appJson.pages.includes(route)) throw new Error(`app.json does not list ${route}`);

  run('app.js');
  const theApp = appInstance as Record<string, unknown> | null;
  if (theApp === null) throw new Error('app.js did not call App()');
  const query = o.query ?? {};
  track(call(theApp.onLaunch, intoRealm({ query, path: route }), theApp));
  track(call(theApp.onShow, intoRealm({ query, path: route }), theApp));

  run(`${route}.js`);
  const options = pageOptions as Record<string, unknown> | null;
  if (options === null) throw new Error(`${route}.js did not call Page()`);

  const instance: Record<string, unknown> = {};
  for (const key of Object.keys(options)) {
    if (key !== 'data') instance[key] = options[key];
  }
  instance.data = intoRealm(options.data ?? {});
  instance.route = route;
  instance.setData = (patch: Record<string, unknown>, callback?: () => void) => {
    setDataCalls += 1;
    applySetData(instance.data as Record<string, unknown>, intoRealm(patch) as Record<string, unknown>);
    if (typeof callback === 'function') later(callback);
  };
  pageStack.push(instance);

  track(call(instance.onLoad, intoRealm(query), instance));
  track(call(instance.onShow, undefined, instance));
  track(call(instance.onReady, undefined, instance));

  async function idle(): Promise<void> {
    while (pending.size > 0) await Promise.all([...pending]);
  }

  const page: PageDriver = {
    route,
    options,
    data: () => JSON.parse(JSON.stringify(instance.data)),
    async tap(handler, dataset = {}) {
      const fn = instance[handler];
      if (typeof fn !== 'function') throw new Error(`The page has no handler "${handler}"`);
      const target = { dataset: intoRealm(dataset), targetDataset: intoRealm(dataset) };
      const event = intoRealm({ type: 'tap', timeStamp: 0 }) as Record<string, unknown>;
      event.target = target;
      event.currentTarget = target;
      const result = (fn as Handler).call(instance, event);
      track(result);
      await result;
    },
    idle,
  };
  return { page, log, storage, setDataCount: () => setDataCalls };
}

function call(fn: unknown, arg?: unknown, self?: unknown): unknown {
  if (typeof fn !== 'function') return undefined;
  return arg === undefined ? (fn as Handler).call(self) : (fn as Handler).call(self, arg);
}

function toScopeList(scopes: unknown): string[] {
  if (typeof scopes === 'string') return [scopes];
  if (Array.isArray(scopes)) return scopes.map(String);
  return [];
}

export function emptyLog(): HostLog {
  return {
    requests: [],
    authCodeCalls: [],
    payments: [],
    navigations: [],
    actionSheets: [],
    toasts: [],
    console: [],
  };
}

/** `my.request` over the runtime's fetch, answering in each RequestStyle. */
export function sendRequest(
  options: Record<string, unknown>,
  style: RequestStyle,
  log: HostLog,
  runtime: Pick<HostRuntime, 'fetch' | 'intoRealm' | 'later'>,
): void {
  const { intoRealm } = runtime;
  const method = typeof options.method === 'string' ? options.method.toUpperCase() : 'GET';
  const headers: Record<string, string> = {};
  if (options.headers && typeof options.headers === 'object') {
    for (const [key, value] of Object.entries(options.headers)) headers[key] = String(value);
  }
  let url = String(options.url);
  let body: string | undefined;
  const data = options.data;
  if (data !== undefined && data !== null) {
    if (method === 'GET' || method === 'HEAD') {
      if (typeof data === 'object') url += `${url.includes('?') ? '&' : '?'}${toForm(data)}`;
    } else if (typeof data === 'string') {
      body = data;
    } else {
      const contentType =
        Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
      body = contentType.includes('json') ? JSON.stringify(data) : toForm(data);
      if (!contentType) headers['content-type'] = 'application/x-www-form-urlencoded';
    }
  }
  const timeout = typeof options.timeout === 'number' ? options.timeout : undefined;
  log.requests.push({ method, url, headers: { ...headers }, body, timeout });

  const answer = (callback: unknown, value: unknown) =>
    runtime.later(() => {
      call(callback, intoRealm(value));
      call(options.complete);
    });
  const success = (value: unknown) => answer(options.success, value);
  const fail = (value: unknown) => answer(options.fail, value);

  runtime
    .fetch(url, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(timeout ?? 30_000),
      redirect: 'follow',
    })
    .then(
      async (response) => {
        const text = await response.text();
        const responseHeaders = Object.fromEntries(response.headers.entries());
        let parsed: unknown = text;
        if (options.dataType === undefined || options.dataType === 'json') {
          try {
            parsed = text === '' ? '' : JSON.parse(text);
          } catch {
            fail({ error: 14, errorMessage: 'JSON parse error', status: response.status, data: text });
            return;
          }
        }
        const full = {
          data: parsed,
          status: response.status,
          statusText: response.statusText,
          headers: responseHeaders,
        };
        if (response.status >= 400 && style !== 'success-always') {
          fail({ error: 19, errorMessage: 'http status error', ...full });
        } else if (style === 'bare') {
          success(parsed);
        } else {
          success(full);
        }
      },
      (error: unknown) => {
        const name = error instanceof Error ? error.name : '';
        if (name === 'TimeoutError' || name === 'AbortError') fail({ error: 13, errorMessage: 'timeout' });
        else fail({ error: 12, errorMessage: error instanceof Error ? error.message : String(error) });
      },
    );
}

function toForm(data: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(data)) params.append(key, String(value));
  return params.toString();
}

/** `my.*EncryptedStorage` over a Map: the value is given as `value` and read back as `data`, as Tiki documents. */
function encryptedStorageApis(
  store: HostStorage,
  later: (run: () => void) => void,
  intoRealm: (value: unknown) => unknown,
) {
  const done = (options: Record<string, unknown>, result?: unknown) =>
    later(() => {
      call(options.success, result === undefined ? undefined : intoRealm(result));
      call(options.complete);
    });
  return {
    setEncryptedStorage: (options: { key: string; value: unknown } & Record<string, unknown>) => {
      store.set(options.key, JSON.stringify(options.value));
      done(options);
    },
    getEncryptedStorage: (options: { key: string } & Record<string, unknown>) => {
      const text = store.get(options.key);
      done(options, { data: text === undefined ? null : JSON.parse(text) });
    },
    removeEncryptedStorage: (options: { key: string } & Record<string, unknown>) => {
      store.delete(options.key);
      done(options);
    },
  };
}
