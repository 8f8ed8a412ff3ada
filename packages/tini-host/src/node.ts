/**
 * The host in Node, for tests: the BUILT JavaScript of a mini app and its pages runs in a `node:vm` realm,
 * with the globals @tiki.vn/tini-types declares absent shadowed, so a bundle that reaches for one fails here as
 * it would on a device. Everything the app sees is host.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import {
  type HostLog,
  type HostOptions,
  type HostRuntime,
  type LaunchedApp,
  type RequestStyle,
  sendRequest,
  startHost,
} from './host.ts';

export * from './host.ts';

export interface LaunchOptions extends HostOptions {
  /** The built mini app (the folder project.config.json's miniprogramRoot points at). */
  distDir: string;
}

/** Launches the app in a fresh realm: App's onLaunch and onShow, then the first page's onLoad, onShow, onReady. */
export async function launch(o: LaunchOptions): Promise<LaunchedApp> {
  return startHost(vmRuntime(o.distDir), o);
}

function vmRuntime(distDir: string): HostRuntime {
  const context = vm.createContext({});
  const realmJson = vm.runInContext('JSON', context) as JSON;
  return {
    readFile: (file) => readFileSync(path.join(distDir, file), 'utf8'),
    runScript(source, file, globals) {
      Object.assign(context, globals);
      runScript(source, path.join(distDir, file), context);
    },
    intoRealm: (value) => (value === undefined ? undefined : realmJson.parse(JSON.stringify(value))),
    later: (fn) => setImmediate(fn),
    fetch: (input, init) => fetch(input, init),
  };
}

/**
 * What a page file registers, without running any lifecycle: its initial data and its function names.
 * Only `Page` exists in this context, so a page whose top level did more would fail here.
 */
export function readPageDefinition(
  distDir: string,
  route: string,
): { data: Record<string, unknown>; methods: Set<string> } {
  let options: Record<string, unknown> | null = null;
  const context = vm.createContext({
    Page: (o: Record<string, unknown>) => {
      options = o;
    },
  });
  const file = path.join(distDir, `${route}.js`);
  runScript(readFileSync(file, 'utf8'), file, context);
  const found = options as Record<string, unknown> | null;
  if (found === null) throw new Error(`${route}.js did not call Page()`);
  const methods = new Set(Object.keys(found).filter((key) => typeof found[key] === 'function'));
  return { data: JSON.parse(JSON.stringify(found.data ?? {})), methods };
}

/**
 * Globals that @tiki.vn/tini-types declares absent from the logic thread. A vm context has some of them
 * built in (globalThis, Function), so each script runs with them shadowed as `undefined`: a bundle that
 * reaches for one fails here as it would on a device. (`eval` cannot be a parameter of strict code; the
 * build test checks that no bundle mentions it.)
 */
const ABSENT_GLOBALS = [
  'globalThis',
  'global',
  'self',
  'window',
  'document',
  'location',
  'fetch',
  'XMLHttpRequest',
  'Function',
];

function runScript(source: string, file: string, context: vm.Context): void {
  const wrapped = `(function (${ABSENT_GLOBALS.join(', ')}) {\n${source}\n})();`;
  vm.runInContext(wrapped, context, { filename: file, lineOffset: -1 });
}

/**
 * The host's `my.request` on its own, for tests of code that runs outside a vm (the request wrapper and the
 * API client): `globalThis.my = { request: hostRequest('documented', log) }`.
 */
export function hostRequest(style: RequestStyle, log: HostLog): (options: Record<string, unknown>) => void {
  const runtime = { intoRealm: (value: unknown) => value, later: setImmediate, fetch };
  return (options) => sendRequest(options, style, log, runtime);
}
