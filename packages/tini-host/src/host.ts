/**
 * A Tini host, once for every runtime: the globals a mini app's logic thread sees (`App`, `Page`, `Component`,
 * `getApp`, `getCurrentPages`, `my`, `console`, timers and nothing else), the App, Page and Component
 * lifecycles (components.ts), and the `my` APIs the starter uses. `my.request` is real HTTP; `my.getAuthCode`
 * and `my.makePayment` ask whatever the caller plugs in (the emulator's consent and payment screen); storage
 * survives relaunches when the same `HostStorage` is passed again.
 *
 * What differs between runtimes is the HostRuntime: node.ts runs the built scripts in a `node:vm` realm (the
 * tests); a browser runs them in a page (the preview). Where Tini's behaviour is not documented, this follows
 * the mini program family Tini derives from, and says so where it matters.
 */
import { type ComponentSession, componentHost } from './components.ts';
import { applySetData } from './set-data.ts';

export type { ComponentPlace, ComponentSession, ComponentView } from './components.ts';

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
  actionSheet?: (items: string[], title: string) => number | null | Promise<number | null>;
  /** What my.confirm's user answers (true: confirm); default: confirms. */
  confirm?: (title: string, content: string) => boolean | Promise<boolean>;
  /** my.alert's dialog, resolved when the user closes it; default: closed at once. */
  alert?: (title: string, content: string) => void | Promise<void>;
  /** Shows a toast (the browser preview draws it); every toast is also in the log. */
  toast?: (options: Record<string, unknown>) => void;
  /** Told of each line the app writes to `console` (also kept in the log): the preview prints them. */
  onConsole?: (level: HostLog['console'][number]['level'], text: string) => void;
  /** Told after each `setData` and each change of the page stack: where a renderer redraws. */
  onChange?: () => void;
  /** What my.getSystemInfo answers beyond its defaults (a 375 x 812 phone). */
  systemInfo?: Record<string, unknown>;
}

type Handler = (this: unknown, ...args: unknown[]) => unknown;

/** An event as a renderer reports it: the tapped element's and the bound element's `data-*`, and the detail. */
export interface HostEvent {
  type: string;
  /** The element the event started on. */
  targetDataset: Record<string, unknown>;
  /** The element whose on* or catch* attribute named the handler. */
  currentTargetDataset: Record<string, unknown>;
  detail?: Record<string, unknown>;
}

export interface PageDriver {
  readonly route: string;
  /** The page object as `Page(...)` received it (handlers, lifecycle, initial data). */
  readonly options: Record<string, unknown>;
  /** A plain copy of the page's current data. */
  data(): Record<string, unknown>;
  /** Calls a handler named in the .txml, like a tap; resolves when the handler's promise settles. */
  tap(handler: string, dataset?: Record<string, unknown>): Promise<void>;
  /** Calls a handler with an event of any type (`input`, `confirm`...): what a renderer does. */
  dispatch(handler: string, event: HostEvent): Promise<void>;
  /** Resolves once every lifecycle call and handler started so far (and those they started) has settled. */
  idle(): Promise<void>;
}

export interface LaunchedApp {
  /** The page the app launched on. */
  page: PageDriver;
  /** The page stack, bottom first, as getCurrentPages() sees it: the last is the page on screen. */
  pages(): PageDriver[];
  log: HostLog;
  storage: HostStorage;
  /** The host's back button: `my.navigateBack()`. */
  navigateBack(): void;
  /** The number of `setData` calls made by the page so far. */
  setDataCount(): number;
  /** Custom components: what a renderer asks while it draws a page, and their events. */
  components: {
    /** One draw of a page: the components it uses, then (once drawn) their lifecycle. */
    session(page: PageDriver): ComponentSession;
    /** An event in a component's template, delivered to the instance's method. */
    dispatch(id: number, handler: string, event: HostEvent): Promise<void>;
    /** Every mounted instance, plain copies. */
    list(): { id: number; is: string; data: Record<string, unknown>; props: Record<string, unknown> }[];
  };
}

export function startHost(runtime: HostRuntime, o: HostOptions): LaunchedApp {
  const storage = o.storage ?? new Map<string, string>();
  const log = emptyLog();
  const pending = new Set<Promise<unknown>>();
  let setDataCalls = 0;

  let appInstance: Record<string, unknown> | null = null;

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
      o.toast?.(options);
      later(() => {
        call(options.success);
        call(options.complete);
      });
    },
    hideToast: (options: Record<string, unknown> = {}) => later(() => call(options.success)),
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
      navigate(options, () => {
        const current = stack.at(-1);
        if (current) track(call(current.instance.onHide, undefined, current.instance));
        openPage(String(options.url));
      });
    },
    redirectTo: (options: Record<string, unknown>) => {
      log.navigations.push(String(options.url));
      navigate(options, () => {
        const replaced = stack.pop();
        if (replaced) close(replaced);
        openPage(String(options.url));
      });
    },
    navigateBack: (options: Record<string, unknown> = {}) => {
      const delta = typeof options.delta === 'number' && options.delta > 0 ? Math.floor(options.delta) : 1;
      navigate(options, () => {
        // As the family's hosts do: going back past the first page stays on the first page.
        for (let i = 0; i < delta && stack.length > 1; i += 1) {
          close(stack.pop() as OpenPage);
        }
        const shown = stack.at(-1) as OpenPage;
        track(call(shown.instance.onShow, undefined, shown.instance));
      });
    },
    showActionSheet: (options: Record<string, unknown>) => {
      const items = Array.isArray(options.items) ? options.items.map(String) : [];
      log.actionSheets.push(items);
      const title = typeof options.title === 'string' ? options.title : '';
      Promise.resolve(o.actionSheet?.(items, title) ?? null).then((index) =>
        later(() => {
          if (index === null) call(options.fail, intoRealm({ error: 11, errorMessage: 'closed' }));
          else call(options.success, intoRealm({ index }));
          call(options.complete);
        }),
      );
    },
    alert: (options: Record<string, unknown> = {}) => {
      Promise.resolve(o.alert?.(text(options.title), text(options.content))).then(() =>
        later(() => {
          call(options.success);
          call(options.complete);
        }),
      );
    },
    confirm: (options: Record<string, unknown> = {}) => {
      Promise.resolve(o.confirm?.(text(options.title), text(options.content)) ?? true).then((confirm) =>
        later(() => {
          call(options.success, intoRealm({ confirm }));
          call(options.complete);
        }),
      );
    },
    getSystemInfo: (options: Record<string, unknown> = {}) => {
      const info = { ...DEFAULT_SYSTEM_INFO, ...o.systemInfo };
      later(() => {
        call(options.success, intoRealm(info));
        call(options.complete);
      });
    },
    getSystemInfoSync: () => intoRealm({ ...DEFAULT_SYSTEM_INFO, ...o.systemInfo }),
  };

  const close = (page: OpenPage) => {
    track(call(page.instance.onUnload, undefined, page.instance));
    components.closePage(page);
  };

  /** A navigation runs after the current task (as a host's does), then tells the renderer. */
  const navigate = (options: Record<string, unknown>, change: () => void) =>
    later(() => {
      try {
        change();
      } catch (error) {
        call(options.fail, intoRealm({ error: 3, errorMessage: String(error) }));
        call(options.complete);
        return;
      }
      o.onChange?.();
      call(options.success);
      call(options.complete);
    });

  const record =
    (level: HostLog['console'][number]['level']) =>
    (...args: unknown[]) => {
      const text = args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a))).join(' ');
      log.console.push({ level, text });
      o.onConsole?.(level, text);
    };
  let registering: Record<string, unknown> | null = null;
  let registeringComponent: Record<string, unknown> | null = null;
  const globals: Record<string, unknown> = {
    my,
    console: { log: record('log'), info: record('info'), warn: record('warn'), error: record('error') },
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    App: (options: Record<string, unknown>) => {
      if (appInstance !== null) throw new Error('App() was called twice');
      appInstance = options;
    },
    getApp: () => {
      if (appInstance === null) throw new Error('getApp() before App()');
      return appInstance;
    },
    Page: (options: Record<string, unknown>) => {
      if (registering !== null) throw new Error('Page() was called twice in one page file');
      registering = options;
    },
    getCurrentPages: () => stack.map((p) => p.instance),
    Component: (options: Record<string, unknown>) => {
      if (registeringComponent !== null) throw new Error('Component() was called twice in one file');
      registeringComponent = options;
    },
  };

  const run = (file: string) => runtime.runScript(runtime.readFile(file), file, globals);

  const appJson = JSON.parse(runtime.readFile('app.json')) as { pages: string[] };
  const first = appJson.pages[0];
  if (first === undefined) throw new Error('app.json lists no page');

  /** Each page file runs once, as a host loads it; every page opened on it gets its own instance. */
  const definitions = new Map<string, Record<string, unknown>>();
  const definitionOf = (route: string) => {
    const known = definitions.get(route);
    if (known) return known;
    if (!appJson.pages.includes(route)) throw new Error(`app.json does not list ${route}`);
    registering = null;
    run(`${route}.js`);
    const options = registering as Record<string, unknown> | null;
    if (options === null) throw new Error(`${route}.js did not call Page()`);
    definitions.set(route, options);
    return options;
  };

  const components = componentHost({
    define(is) {
      registeringComponent = null;
      run(`${is}.js`);
      const options = registeringComponent as Record<string, unknown> | null;
      if (options === null) throw new Error(`${is}.js did not call Component()`);
      return options;
    },
    intoRealm,
    later,
    track,
    onChange: () => o.onChange?.(),
  });

  /** An event as the family's hosts hand it to a handler: type, detail, target and currentTarget datasets. */
  const deliver = async (self: unknown, fn: unknown, e: HostEvent): Promise<void> => {
    const event = intoRealm({ type: e.type, timeStamp: Date.now(), detail: e.detail ?? {} }) as Record<
      string,
      unknown
    >;
    event.target = { dataset: intoRealm(e.targetDataset), targetDataset: intoRealm(e.targetDataset) };
    event.currentTarget = { dataset: intoRealm(e.currentTargetDataset) };
    const result = (fn as Handler).call(self, event);
    track(result);
    await result;
  };

  /** Opens a page on top of the stack: it is in getCurrentPages() from its onLoad on, as in the family. */
  const openPage = (url: string, launchQuery?: Record<string, string>): void => {
    const { route, query } = parseUrl(url);
    const options = definitionOf(route);
    const instance: Record<string, unknown> = {};
    for (const key of Object.keys(options)) {
      if (key !== 'data') instance[key] = options[key];
    }
    instance.data = intoRealm(options.data ?? {});
    instance.route = route;
    instance.setData = (patch: Record<string, unknown>, callback?: () => void) => {
      setDataCalls += 1;
      applySetData(instance.data as Record<string, unknown>, intoRealm(patch) as Record<string, unknown>);
      o.onChange?.();
      if (typeof callback === 'function') later(callback);
    };
    stack.push({ route, options, instance, driver: driverOf(route, options, instance) });
    track(call(instance.onLoad, intoRealm(launchQuery ?? query), instance));
    track(call(instance.onShow, undefined, instance));
    track(call(instance.onReady, undefined, instance));
  };

  const driverOf = (
    route: string,
    options: Record<string, unknown>,
    instance: Record<string, unknown>,
  ): PageDriver => {
    const driver: PageDriver = {
      route,
      options,
      data: () => JSON.parse(JSON.stringify(instance.data)),
      tap: (handler, dataset = {}) =>
        driver.dispatch(handler, { type: 'tap', targetDataset: dataset, currentTargetDataset: dataset }),
      async dispatch(handler, e) {
        const fn = instance[handler];
        if (typeof fn !== 'function') throw new Error(`The page has no handler "${handler}"`);
        await deliver(instance, fn, e);
      },
      idle,
    };
    return driver;
  };

  const route = o.route ?? first;
  if (!appJson.pages.includes(route)) throw new Error(`app.json does not list ${route}`);
  run('app.js');
  const theApp = appInstance as Record<string, unknown> | null;
  if (theApp === null) throw new Error('app.js did not call App()');
  const query = o.query ?? {};
  track(call(theApp.onLaunch, intoRealm({ query, path: route }), theApp));
  track(call(theApp.onShow, intoRealm({ query, path: route }), theApp));

  const stack: OpenPage[] = [];
  openPage(route, query);
  const launched = stack[0] as OpenPage;

  async function idle(): Promise<void> {
    while (pending.size > 0) await Promise.all([...pending]);
  }

  return {
    page: launched.driver,
    pages: () => stack.map((p) => p.driver),
    navigateBack: () => my.navigateBack(),
    log,
    storage,
    setDataCount: () => setDataCalls,
    components: {
      session(page) {
        const open = stack.find((p) => p.driver === page);
        if (!open) throw new Error(`${page.route} is not open`);
        return components.session(open);
      },
      async dispatch(id, handler, e) {
        const { self, fn } = components.method(id, handler);
        if (typeof fn !== 'function') {
          throw new Error(`The component has no method "${handler}" (Tini looks in its methods)`);
        }
        await deliver(self, fn, e);
      },
      list: () => components.list(),
    },
  };
}

interface OpenPage {
  route: string;
  options: Record<string, unknown>;
  instance: Record<string, unknown>;
  driver: PageDriver;
}

/** `/pages/shop/index?id=1` -> route `pages/shop/index`, query `{ id: '1' }` (the family's url form). */
function parseUrl(url: string): { route: string; query: Record<string, string> } {
  const [path = '', search = ''] = url.split('?', 2);
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(search)) query[key] = value;
  return { route: path.replace(/^\/+/, ''), query };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A 375 x 812 phone at 2x, the frame the preview draws; the family's field names (an assumption for Tini). */
const DEFAULT_SYSTEM_INFO = {
  platform: 'preview',
  model: 'Tini preview',
  pixelRatio: 2,
  screenWidth: 375,
  screenHeight: 812,
  windowWidth: 375,
  windowHeight: 812,
  language: 'vi',
  version: '0.0.0',
};

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
