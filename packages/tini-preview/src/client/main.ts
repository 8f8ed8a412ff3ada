/**
 * The preview in the browser: the app's files from the preview server, its logic run by the shared Tini host
 * (`@tini-starter/tini-host/host`, the same code as the node:vm tests), the top page of its stack drawn from
 * its TXML and TCSS after every change, and the DOM's events delivered to the page's handlers.
 */
import {
  type AuthCodeProvider,
  type HostRuntime,
  type HostStorage,
  startHost,
} from '@tini-starter/tini-host/host';
import morphdom from 'morphdom';
import { parseTxml, type TNode } from '../template/parse.ts';
import { renderTxml, resolvePath, type VEvent } from '../template/render.ts';
import { sjsLoader } from '../template/sjs.ts';
import { toCss } from '../template/tcss.ts';
import { DATASET_ATTRIBUTE, EVENTS_ATTRIBUTE, toDom } from './dom.ts';
import { actionSheet, dialog, toast } from './ui.ts';

interface AppFiles {
  /** The app's name, to keep one app's storage apart from another's. */
  name: string;
  /** Templates, styles, JSON and bundled scripts by path in the app (app-files.ts). */
  files: Record<string, string>;
  /** `.sjs` modules as CommonJS. */
  sjs: Record<string, string>;
  /** What the server could not compile or find. */
  problems: string[];
}

/** Studio without a Tini Console app: consent gives no code, so a development build asks the emulator. */
const noCode: AuthCodeProvider = () => ({ success: { authSuccessScopes: [], authErrorScopes: {} } });

const screen = document.getElementById('tini-screen') as HTMLElement;
const titleBar = document.getElementById('tini-title') as HTMLElement;
const back = document.getElementById('tini-back') as HTMLButtonElement;
const problems = document.getElementById('tini-problems') as HTMLElement;
const appStyle = document.getElementById('tini-app-style') as HTMLStyleElement;
const pageStyle = document.getElementById('tini-page-style') as HTMLStyleElement;

/** Everything that went wrong, shown in the bar under the phone and kept for tests. */
const shownProblems: string[] = [];
function problem(text: string): void {
  if (shownProblems.includes(text)) return;
  shownProblems.push(text);
  const line = document.createElement('li');
  line.textContent = text;
  problems.append(line);
  problems.hidden = false;
  console.warn(`tini-preview: ${text}`);
}

/** Storage that outlives a reload: the host's Map, written through to localStorage under the app's name. */
function persistentStorage(prefix: string): HostStorage {
  const map = new Map<string, string>();
  for (let i = 0; i < localStorage.length; i += 1) {
    const key = localStorage.key(i);
    if (key?.startsWith(prefix)) map.set(key.slice(prefix.length), localStorage.getItem(key) ?? '');
  }
  const set = map.set.bind(map);
  const remove = map.delete.bind(map);
  map.set = (key, value) => {
    localStorage.setItem(prefix + key, value);
    return set(key, value);
  };
  map.delete = (key) => {
    localStorage.removeItem(prefix + key);
    return remove(key);
  };
  return map;
}

async function main(): Promise<void> {
  const answer = await fetch('/__preview/files');
  if (!answer.ok) throw new Error(`The preview server could not read the app: ${await answer.text()}`);
  const { name, files, sjs, problems: compileProblems } = (await answer.json()) as AppFiles;
  for (const text of compileProblems) problem(text);
  const read = (file: string): string | undefined => files[file];
  const loadSjs = sjsLoader(sjs);

  const runtime: HostRuntime = {
    readFile(file) {
      const text = files[file];
      if (text === undefined) throw new Error(`${file} is not in the app`);
      return text;
    },
    runScript(source, file, globals) {
      const names = Object.keys(globals);
      const run = new Function(...names, `${source}\n//# sourceURL=${location.origin}/__preview/app/${file}`);
      run(...names.map((n) => globals[n]));
    },
    intoRealm: (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value))),
    later: (fn) => setTimeout(fn, 0),
    fetch: (input, init) => fetch(input, init),
  };

  let scheduled = false;
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setTimeout(() => {
      scheduled = false;
      draw();
    }, 0);
  };

  const app = startHost(runtime, {
    authCodes: noCode,
    storage: persistentStorage(`tini-preview:${name}:storage:`),
    encryptedStorage: persistentStorage(`tini-preview:${name}:encrypted:`),
    actionSheet: (items, title) => actionSheet(screen, items, title),
    alert: async (title, content) => {
      await dialog(screen, title, content, false);
    },
    confirm: (title, content) => dialog(screen, title, content, true),
    toast: (options) => toast(screen, options),
    // biome-ignore lint/suspicious/noConsole: the app's own console lines, shown in the browser's console as in Studio's.
    onConsole: (level, text) => console[level](text),
    onChange: schedule,
  });

  const appJson = JSON.parse(files['app.json'] ?? '{}') as { window?: Record<string, string> };
  const windowOptions = appJson.window ?? {};
  if (windowOptions.titleBarColor)
    titleBar.parentElement?.style.setProperty('--tini-title-color', windowOptions.titleBarColor);
  if (windowOptions.backgroundColor) screen.style.backgroundColor = windowOptions.backgroundColor;
  appStyle.textContent =
    files['app.tcss'] === undefined ? '' : toCss(files['app.tcss'], 'app.tcss', read, problem);

  const trees = new Map<string, TNode[]>();
  const treeOf = (route: string) => {
    let tree = trees.get(route);
    if (!tree) {
      tree = parseTxml(files[`${route}.txml`] ?? '');
      if (files[`${route}.txml`] === undefined) problem(`${route}.txml is missing`);
      trees.set(route, tree);
    }
    return tree;
  };

  let pageElement = document.createElement('page');
  screen.prepend(pageElement);
  let shownPage = '';

  function draw(): void {
    const pages = app.pages();
    const top = pages[pages.length - 1];
    if (!top) return;
    const identity = `${pages.length}:${top.route}`;
    const components = app.components.session(top);
    const rendered = renderTxml(treeOf(top.route), top.data(), {
      file: `${top.route}.txml`,
      load: read,
      sjs: loadSjs,
      components,
    });
    for (const text of rendered.notices) problem(`${top.route}: ${text}`);
    for (const is of rendered.components) componentStyle(is);
    const next = document.createElement('page');
    next.setAttribute('data-route', top.route);
    next.append(...toDom(rendered.nodes, resolveSrc));
    if (identity !== shownPage) {
      // Another page: drawn afresh, its own TCSS and title, scrolled to the top.
      shownPage = identity;
      pageElement.replaceWith(next);
      pageElement = next;
      screen.scrollTop = 0;
      const css = files[`${top.route}.tcss`];
      pageStyle.textContent = css === undefined ? '' : toCss(css, `${top.route}.tcss`, read, problem);
      const pageJson = JSON.parse(files[`${top.route}.json`] ?? '{}') as { defaultTitle?: string };
      titleBar.textContent = pageJson.defaultTitle ?? windowOptions.defaultTitle ?? '';
      back.hidden = pages.length < 2;
      components.end();
      return;
    }
    morphdom(pageElement, next, {
      onBeforeElUpdated(from, to) {
        // What the user is typing stays, unless the page set a new value.
        if (from instanceof HTMLInputElement && to instanceof HTMLInputElement) {
          if (from.getAttribute('value') === to.getAttribute('value')) to.value = from.value;
        }
        return !from.isEqualNode(to);
      },
    });
    components.end();
  }

  /** A component's TCSS, added once the first time a page draws it (the preview does not scope it). */
  const styled = new Set<string>();
  function componentStyle(is: string): void {
    if (styled.has(is)) return;
    styled.add(is);
    const css = files[`${is}.tcss`];
    if (css === undefined) return;
    const style = document.createElement('style');
    style.setAttribute('data-component', is);
    style.textContent = toCss(css, `${is}.tcss`, read, problem);
    appStyle.after(style);
  }

  const deliver = (domEvent: Event, type: string, detail?: Record<string, unknown>) => {
    const pages = app.pages();
    const top = pages[pages.length - 1];
    if (!top) return;
    let targetDataset: Record<string, unknown> | null = null;
    for (let node = domEvent.target as Element | null; node && node !== screen; node = node.parentElement) {
      const datasetText = node.getAttribute(DATASET_ATTRIBUTE);
      if (datasetText === null) continue;
      const dataset = JSON.parse(datasetText) as Record<string, unknown>;
      targetDataset ??= dataset;
      const bound = JSON.parse(node.getAttribute(EVENTS_ATTRIBUTE) ?? '[]') as VEvent[];
      for (const e of bound.filter((b) => b.type === type)) {
        const event = { type, targetDataset, currentTargetDataset: dataset, ...(detail ? { detail } : {}) };
        // A handler in a component's template is one of its methods; the page's own are the page's.
        (e.owner === undefined
          ? top.dispatch(e.handler, event)
          : app.components.dispatch(e.owner, e.handler, event)
        ).catch((error: unknown) => {
          problem(`${top.route}: ${e.handler}: ${error instanceof Error ? error.message : String(error)}`);
        });
        if (e.stops) return;
      }
    }
  };
  const inputValue = (event: Event) => ({ value: (event.target as HTMLInputElement).value });
  pageHost(screen, 'click', (event) => deliver(event, 'tap'));
  pageHost(screen, 'input', (event) => deliver(event, 'input', inputValue(event)));
  pageHost(screen, 'change', (event) => deliver(event, 'change', inputValue(event)));
  pageHost(screen, 'focusin', (event) => deliver(event, 'focus', inputValue(event)));
  pageHost(screen, 'focusout', (event) => deliver(event, 'blur', inputValue(event)));
  pageHost(screen, 'keydown', (event) => {
    if ((event as KeyboardEvent).key === 'Enter' && event.target instanceof HTMLInputElement) {
      deliver(event, 'confirm', inputValue(event));
    }
  });
  screen.addEventListener(
    'scroll',
    (event) => {
      const target = event.target as HTMLElement;
      if (target.tagName === 'SCROLL-VIEW') {
        deliver(event, 'scroll', { scrollTop: target.scrollTop, scrollLeft: target.scrollLeft });
      }
    },
    true,
  );
  back.addEventListener('click', () => app.navigateBack());

  // For tests and the curious: the stack as the host holds it, and every problem shown.
  Object.assign(window, {
    __tiniPreview: {
      pages: () => app.pages().map((p) => ({ route: p.route, data: p.data() })),
      problems: () => [...shownProblems],
      components: () => app.components.list(),
      idle: () => app.pages().at(-1)?.idle(),
    },
  });
  draw();
  document.documentElement.setAttribute('data-tini-ready', '');
}

function pageHost(screen: HTMLElement, type: string, listener: (event: Event) => void): void {
  screen.addEventListener(type, (event) => {
    if ((event.target as Element).closest('page')) listener(event);
  });
}

/** An image's `src`: absolute URLs as they are; app paths (the renderer made them absolute) from the server. */
function resolveSrc(src: string): string {
  return /^(https?:|data:|blob:)/.test(src) ? src : `/__preview/app/${resolvePath('', src)}`;
}

// A reload when the watch build writes a new app.
new EventSource('/__preview/events').addEventListener('reload', () => location.reload());

window.addEventListener('error', (event) => problem(`script error: ${event.message}`));
window.addEventListener('unhandledrejection', (event) =>
  problem(`unhandled: ${event.reason instanceof Error ? event.reason.message : String(event.reason)}`),
);
main().catch((error: unknown) => {
  problem(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  throw error;
});
