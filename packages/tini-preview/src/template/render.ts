/**
 * A page's TXML and data in, a tree the DOM layer draws out: directives applied (`tiki:if`/`elif`/`else`,
 * `tiki:for` with `-item`, `-index` and `-key`), `{{ }}` evaluated, events and `data-*` collected. Anything the
 * preview does not know (a tag, an attribute, an event, a directive, an expression that throws) becomes a
 * notice in the tree where it was, and in `notices`: a page is never drawn wrong in silence.
 *
 * Custom components (`usingComponents` in the page's or component's JSON) are drawn from their own TXML, with
 * their instance's data and props in scope; the instances themselves live in the host (`ctx.components`), which
 * runs their lifecycle. `<slot>` draws what the user of the component wrote inside its tag, in the user's scope.
 * `<import-sjs>` modules come from `ctx.sjs`.
 *
 * Pure: no DOM, so tests read it in Node. Which tags and attributes Tini has is from Tiki's component docs;
 * how directives combine (`tiki:if` beside `tiki:for` is evaluated per item) follows the mini program family.
 */
import type { ComponentSession } from '@tini-starter/tini-host/host';
import { asText, ExpressionError, interpolate, type Scope } from './expression.ts';
import { parseTxml, type TElement, type TNode } from './parse.ts';

export type VNode = VElement | VText | VNotice | VComponent;
export interface VElement {
  kind: 'element';
  tag: string;
  /** Evaluated attributes the tag knows (`class`, `style`, `id`, `hidden`, and the tag's own). */
  props: Record<string, unknown>;
  dataset: Record<string, unknown>;
  events: VEvent[];
  key?: string;
  children: VNode[];
}
export interface VEvent {
  /** `tap`, `input`, ... (the attribute without `on`/`catch`, first letter lowered). */
  type: string;
  handler: string;
  /** `catch*`: the event goes no further up. */
  stops: boolean;
  /** The component instance whose template bound it ($id), or none: the page. */
  owner?: number;
}
/** A custom component's instance, drawn from its own template. */
export interface VComponent {
  kind: 'component';
  /** The tag the user wrote (`counter`). */
  tag: string;
  /** Its path in the app, as usingComponents resolves it (`components/counter/index`). */
  is: string;
  id: number;
  children: VNode[];
}
export interface VText {
  kind: 'text';
  text: string;
}
export interface VNotice {
  kind: 'notice';
  text: string;
}

const COMMON_ATTRIBUTES = ['id', 'class', 'style', 'hidden'];
/** Tini's basic components this preview draws, with the attributes it honours. */
export const KNOWN_TAGS: Record<string, readonly string[]> = {
  view: ['hover-class', 'hover-start-time', 'hover-stay-time'],
  text: ['selectable', 'number-of-lines', 'decode'],
  button: ['type', 'size', 'shape', 'disabled', 'loading', 'form-type', 'hover-class'],
  image: ['src', 'mode', 'lazy-load', 'default-source'],
  input: [
    'value',
    'type',
    'password',
    'placeholder',
    'placeholder-class',
    'placeholder-style',
    'disabled',
    'maxlength',
    'focus',
    'confirm-type',
    'controlled',
  ],
  'scroll-view': [
    'scroll-x',
    'scroll-y',
    'scroll-top',
    'scroll-left',
    'scroll-into-view',
    'scroll-with-animation',
  ],
  icon: ['type', 'size', 'color'],
};
/** Events the DOM layer delivers. */
export const KNOWN_EVENTS = new Set(['tap', 'input', 'confirm', 'focus', 'blur', 'change', 'scroll']);
const DIRECTIVES = new Set([
  'tiki:if',
  'tiki:elif',
  'tiki:else',
  'tiki:for',
  'tiki:for-item',
  'tiki:for-index',
  'tiki:key',
]);

/** Where other files come from: TXML and JSON (`<import>`, `<include>`, components), `.sjs` modules. */
export interface RenderContext {
  /** The path of the file being rendered inside the app (`pages/index/index.txml`), for resolving `src`. */
  file: string;
  /** A file of the app by its path inside it (`pages/index/index.json`), or undefined. */
  load?: (file: string) => string | undefined;
  /** An `.sjs` module's exports by its path inside the app; throws if it cannot. */
  sjs?: (file: string) => Record<string, unknown>;
  /** The host's instances of custom components, for one draw of one page. */
  components?: ComponentSession;
}

export interface Rendered {
  nodes: VNode[];
  notices: string[];
  /** The custom components drawn (their paths in the app), whose TCSS the page needs. */
  components: string[];
}

/** Where a part of the tree is being drawn: which file, whose events, whose slots, and at what place. */
interface Frame {
  /** The file the nodes come from, for resolving `src` and `from`. */
  file: string;
  /** The page's or component's TXML, whose JSON says which components its tags name. */
  owningFile: string;
  /** The component instance whose template this is, or none (the page). */
  owner: number | undefined;
  templates: Map<string, { node: TElement; file: string }>;
  slots: Map<string, SlotFill>;
  /** The place so far (component, list item, template use): with a node's number, a component's identity. */
  place: string;
}
/** What the user of a component wrote inside its tag for one slot, drawn where the component's `<slot>` is. */
interface SlotFill {
  nodes: TNode[];
  scope: Scope;
  frame: Frame;
}

interface State {
  ctx: RenderContext;
  notices: string[];
  /** Files being included, to stop a loop. */
  including: string[];
  /** Component paths being drawn, to stop a component that contains itself. */
  drawing: string[];
  components: Set<string>;
  using: Map<string, Record<string, string>>;
  modules: Map<string, Record<string, unknown>>;
}

export function renderTxml(
  source: string | TNode[],
  data: Record<string, unknown>,
  ctx: RenderContext,
): Rendered {
  const state: State = {
    ctx,
    notices: [],
    including: [ctx.file],
    drawing: [],
    components: new Set(),
    using: new Map(),
    modules: new Map(),
  };
  const tree = typeof source === 'string' ? parseCached(source) : source;
  const frame: Frame = {
    file: ctx.file,
    owningFile: ctx.file,
    owner: undefined,
    templates: new Map(),
    slots: new Map(),
    place: '',
  };
  collectTemplates(tree, state, frame);
  const nodes = renderChildren(tree, [modulesOf(tree, state, ctx.file), data], state, frame);
  return { nodes, notices: state.notices, components: [...state.components] };
}

/** A number for each element of a parsed tree, stable while the tree is kept: part of a component's place. */
const elementNumbers = new WeakMap<TElement, number>();
let nextElementNumber = 1;
function numberOf(node: TElement): number {
  let n = elementNumbers.get(node);
  if (n === undefined) {
    n = nextElementNumber;
    nextElementNumber += 1;
    elementNumbers.set(node, n);
  }
  return n;
}

/** Parsed trees by source, so that a component's elements (and so its instances' places) stay the same. */
const parsed = new Map<string, TNode[]>();
function parseCached(source: string): TNode[] {
  let tree = parsed.get(source);
  if (!tree) {
    tree = parseTxml(source);
    if (parsed.size > 500) parsed.clear();
    parsed.set(source, tree);
  }
  return tree;
}

/**
 * A file's `<import-sjs name="m" from="./x.sjs">` modules as names: `name` takes the default export (or the
 * whole module when it has none), `name="{x, y: z}"` takes named exports, as Tiki's sjs page shows.
 */
function modulesOf(tree: TNode[], state: State, file: string): Record<string, unknown> {
  const known = state.modules.get(file);
  if (known) return known;
  const layer: Record<string, unknown> = {};
  state.modules.set(file, layer);
  for (const node of tree) {
    if (node.type !== 'element' || node.tag !== 'import-sjs') continue;
    const name = attr(node, 'name');
    const from = attr(node, 'from');
    if (name === undefined || from === undefined) {
      state.notices.push(`<import-sjs> needs both name and from (in ${file})`);
      continue;
    }
    if (!from.endsWith('.sjs')) {
      state.notices.push(`<import-sjs from="${from}">: the path must end in .sjs (in ${file})`);
      continue;
    }
    if (state.ctx.sjs === undefined) {
      state.notices.push(`<import-sjs from="${from}">: this renderer has no .sjs modules`);
      continue;
    }
    let exports: Record<string, unknown>;
    try {
      exports = state.ctx.sjs(resolvePath(file, from));
    } catch (error) {
      state.notices.push(`<import-sjs from="${from}">: ${error instanceof Error ? error.message : error}`);
      continue;
    }
    const named = /^\s*\{([\s\S]*)\}\s*$/.exec(name);
    if (named) {
      for (const part of (named[1] ?? '').split(',')) {
        const [exported = '', local = exported] = part.split(':').map((p) => p.trim());
        if (exported !== '') layer[local] = exports[exported];
      }
    } else {
      layer[name.trim()] = 'default' in exports ? exports.default : exports;
    }
  }
  return layer;
}

function notice(state: State, text: string): VNotice {
  state.notices.push(text);
  return { kind: 'notice', text };
}

/** `<template name>` definitions and those of `<import src>`-ed files, visible to the whole file. */
function collectTemplates(tree: TNode[], state: State, frame: Frame): void {
  for (const node of tree) {
    if (node.type !== 'element') continue;
    if (node.tag === 'template') {
      const name = attr(node, 'name');
      if (name !== undefined) frame.templates.set(name, { node, file: frame.file });
    } else if (node.tag === 'import') {
      const src = attr(node, 'src');
      const loaded = src === undefined ? undefined : loadFile(state, frame.file, src);
      if (loaded !== undefined) {
        // The family's rule: an import brings the imported file's own templates, not those it imports.
        for (const child of parseCached(loaded.source)) {
          if (child.type === 'element' && child.tag === 'template') {
            const name = attr(child, 'name');
            if (name !== undefined) frame.templates.set(name, { node: child, file: loaded.file });
          }
        }
      }
    }
  }
}

function loadFile(state: State, from: string, src: string): { file: string; source: string } | undefined {
  const file = resolvePath(from, src.endsWith('.txml') ? src : `${src}.txml`);
  const source = state.ctx.load?.(file);
  if (source === undefined) {
    state.notices.push(`${src}: no such file in the app (from ${from})`);
    return undefined;
  }
  return { file, source };
}

/** Where the preview server serves the files of npm packages the app uses (app-files.ts). */
export const NPM_FOLDER = 'node_modules/';

/**
 * A path written in a file of the app (`usingComponents`, a TCSS `@import`) as a path in the app: `/x` from
 * the app's root, `./x` and `../x` from the file's folder, anything else from an npm package, which the preview
 * server serves under `node_modules/`. Tiki documents both forms (`/components/card/index`,
 * `mini-tiki-ui/es/list/index`); that Studio looks the package up in the project's node_modules is an
 * assumption.
 */
export function appPathOf(from: string, target: string): string {
  if (target.startsWith('/') || target.startsWith('./') || target.startsWith('../')) {
    return resolvePath(from, target);
  }
  return `${NPM_FOLDER}${target}`;
}

/** A usingComponents value as the component's path in the app, without the extension it may carry. */
export function componentPathOf(jsonFile: string, target: string): string {
  return appPathOf(jsonFile, target.replace(/\.(js|ts|txml|json)$/, ''));
}

/** `./x`, `../x` and `/x` (from the app's root) against the file they are written in. */
export function resolvePath(from: string, src: string): string {
  const parts = src.startsWith('/') ? [] : from.split('/').slice(0, -1);
  for (const part of src.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

function attr(node: TElement, name: string): string | undefined {
  return node.attrs.find(([n]) => n === name)?.[1];
}

function renderChildren(nodes: TNode[], scope: Scope, state: State, frame: Frame): VNode[] {
  const out: VNode[] = [];
  // The state of an if/elif/else chain among siblings: none, one branch taken, or still open.
  let chain: 'none' | 'taken' | 'open' = 'none';
  for (const node of nodes) {
    if (node.type === 'text') {
      if (node.text.trim() === '') continue;
      chain = 'none';
      try {
        out.push({ kind: 'text', text: asText(interpolate(node.text, scope)) });
      } catch (error) {
        out.push(notice(state, expressionProblem(error)));
      }
      continue;
    }
    const ifValue = attr(node, 'tiki:if');
    const elifValue = attr(node, 'tiki:elif');
    const isElse = attr(node, 'tiki:else') !== undefined;
    let condition: string | undefined;
    if (ifValue !== undefined) {
      condition = ifValue;
    } else if (elifValue !== undefined || isElse) {
      if (chain === 'none') {
        out.push(notice(state, `<${node.tag} ${isElse ? 'tiki:else' : 'tiki:elif'}> follows no tiki:if`));
        continue;
      }
      if (chain === 'taken') continue;
      condition = elifValue;
    } else {
      chain = 'none';
    }
    const forValue = attr(node, 'tiki:for');
    if (forValue !== undefined) {
      // A list's condition is read for each item, with the item in scope (the family's order).
      chain = 'none';
      out.push(...renderList(node, forValue, condition, scope, state, frame));
      continue;
    }
    if (condition !== undefined) {
      let shown: unknown;
      try {
        shown = interpolate(condition, scope);
      } catch (error) {
        out.push(notice(state, expressionProblem(error)));
        chain = 'none';
        continue;
      }
      chain = shown ? 'taken' : 'open';
      if (!shown) continue;
    } else if (isElse) {
      chain = 'none';
    }
    out.push(...renderElement(node, scope, state, frame));
  }
  return out;
}

function renderList(
  node: TElement,
  forValue: string,
  condition: string | undefined,
  scope: Scope,
  state: State,
  frame: Frame,
): VNode[] {
  let list: unknown;
  try {
    list = interpolate(forValue, scope);
  } catch (error) {
    return [notice(state, expressionProblem(error))];
  }
  const itemName = attr(node, 'tiki:for-item') ?? 'item';
  const indexName = attr(node, 'tiki:for-index') ?? 'index';
  const keyName = attr(node, 'tiki:key');
  // An array, an object (its values, keyed by name), a number n (0 to n-1) or a string (its characters).
  let entries: [unknown, unknown][] = [];
  if (Array.isArray(list)) entries = list.map((item, index) => [item, index]);
  else if (typeof list === 'number')
    entries = Array.from({ length: Math.max(0, Math.floor(list)) }, (_, i) => [i, i]);
  else if (typeof list === 'string') entries = [...list].map((c, i) => [c, i]);
  else if (list !== null && typeof list === 'object') entries = Object.entries(list).map(([k, v]) => [v, k]);
  const out: VNode[] = [];
  for (const [item, index] of entries) {
    const inner: Scope = [{ [itemName]: item, [indexName]: index }, ...scope];
    if (condition !== undefined) {
      try {
        if (!interpolate(condition, inner)) continue;
      } catch (error) {
        out.push(notice(state, expressionProblem(error)));
        continue;
      }
    }
    const key =
      keyName === undefined
        ? undefined
        : keyName === '*this'
          ? asText(item)
          : asText(
              item !== null && typeof item === 'object' ? (item as Record<string, unknown>)[keyName] : item,
            );
    // A component in a list keeps its instance by the item's key, or else by the item's index.
    const itemFrame = { ...frame, place: `${frame.place}/${numberOf(node)}[${key ?? String(index)}]` };
    const rendered = renderElement(node, inner, state, itemFrame);
    if (key !== undefined) for (const v of rendered) if (v.kind === 'element') v.key = key;
    out.push(...rendered);
  }
  return out;
}

function renderElement(node: TElement, scope: Scope, state: State, frame: Frame): VNode[] {
  switch (node.tag) {
    case 'block':
      return renderChildren(node.children, scope, state, frame);
    case 'template':
      return renderTemplateUse(node, scope, state, frame);
    case 'import':
    case 'import-sjs':
      return [];
    case 'include':
      return renderInclude(node, scope, state, frame);
    case 'slot':
      return renderSlot(node, scope, state, frame);
  }
  const component = usingOf(state, frame.owningFile)[node.tag];
  if (component !== undefined) return renderComponent(node, component, scope, state, frame);
  const known = KNOWN_TAGS[node.tag];
  if (known === undefined) {
    return [notice(state, `<${node.tag}>: the preview does not render this tag`)];
  }
  const element: VElement = {
    kind: 'element',
    tag: node.tag,
    props: {},
    dataset: {},
    events: [],
    children: [],
  };
  const problems: VNode[] = [];
  for (const [name, raw] of node.attrs) {
    if (DIRECTIVES.has(name) || SLOT_ATTRIBUTES.has(name)) continue;
    if (name.startsWith('tiki:')) {
      problems.push(notice(state, `<${node.tag} ${name}>: the preview does not know this directive`));
      continue;
    }
    const event = eventOf(name);
    let value: unknown;
    try {
      value = interpolate(raw, scope);
    } catch (error) {
      problems.push(notice(state, expressionProblem(error)));
      continue;
    }
    if (event) {
      if (!KNOWN_EVENTS.has(event.type)) {
        problems.push(
          notice(state, `<${node.tag} ${name}>: the preview does not deliver "${event.type}" events`),
        );
        continue;
      }
      element.events.push({
        type: event.type,
        handler: asText(value),
        stops: event.stops,
        ...(frame.owner === undefined ? {} : { owner: frame.owner }),
      });
    } else if (name.startsWith('data-')) {
      element.dataset[camelCase(name.slice(5))] = value;
    } else if (COMMON_ATTRIBUTES.includes(name) || known.includes(name)) {
      element.props[name] = raw === '' && !raw.includes('{{') ? true : value;
      // An image's path is relative to the file it is written in (a component's own folder, say).
      if (name === 'src' && typeof value === 'string' && !/^([a-z]+:|\/)/.test(value) && value !== '') {
        element.props.src = `/${resolvePath(frame.file, value)}`;
      }
    } else {
      problems.push(notice(state, `<${node.tag} ${name}>: the preview does not know this attribute`));
    }
  }
  element.children = [...problems, ...renderChildren(node.children, scope, state, frame)];
  return [element];
}

/** `slot="name"` places an element in a component's named slot; `slot-scope="s"` names the slot's values. */
const SLOT_ATTRIBUTES = new Set(['slot', 'slot-scope']);

function eventOf(name: string): { type: string; stops: boolean } | undefined {
  const event = /^(on|catch)([A-Z]\w*)$/.exec(name);
  if (!event) return undefined;
  const type = (event[2] ?? '').charAt(0).toLowerCase() + (event[2] ?? '').slice(1);
  return { type, stops: event[1] === 'catch' };
}

/** A page's or component's `usingComponents` (from the JSON beside its TXML), resolved by componentPathOf. */
function usingOf(state: State, owningFile: string): Record<string, string> {
  const known = state.using.get(owningFile);
  if (known) return known;
  const using: Record<string, string> = {};
  state.using.set(owningFile, using);
  const jsonFile = owningFile.replace(/\.txml$/, '.json');
  const text = state.ctx.load?.(jsonFile);
  if (text === undefined) return using;
  let declared: unknown;
  try {
    declared = (JSON.parse(text) as { usingComponents?: unknown }).usingComponents;
  } catch (error) {
    state.notices.push(`${jsonFile}: not JSON (${error instanceof Error ? error.message : error})`);
    return using;
  }
  if (declared === undefined) return using;
  if (declared === null || typeof declared !== 'object') {
    state.notices.push(`${jsonFile}: usingComponents is not an object`);
    return using;
  }
  for (const [tag, value] of Object.entries(declared)) using[tag] = componentPathOf(jsonFile, String(value));
  return using;
}

/** A custom component: its instance from the host, its template drawn with the instance's data and props. */
function renderComponent(node: TElement, is: string, scope: Scope, state: State, frame: Frame): VNode[] {
  const session = state.ctx.components;
  if (session === undefined) {
    return [notice(state, `<${node.tag}>: a custom component, and this renderer runs no components`)];
  }
  if (state.drawing.filter((d) => d === is).length >= 16) {
    return [notice(state, `<${node.tag}>: drawn inside itself too deep`)];
  }
  const props: Record<string, unknown> = {};
  const callbacks: Record<string, string> = {};
  let ref: string | undefined;
  for (const [name, raw] of node.attrs) {
    if (DIRECTIVES.has(name) || SLOT_ATTRIBUTES.has(name)) continue;
    let value: unknown;
    try {
      value = raw === '' ? true : interpolate(raw, scope);
    } catch (error) {
      return [notice(state, expressionProblem(error))];
    }
    // The family's rule: an `on*` prop names a handler of whoever wrote the tag; the component calls it.
    if (eventOf(name)) callbacks[name] = asText(value);
    else if (name === 'ref') ref = asText(value);
    else props[name] = value;
  }
  const source = state.ctx.load?.(`${is}.txml`);
  if (source === undefined) {
    return [
      notice(state, `<${node.tag}>: ${is}.txml is not in the app (usingComponents in ${frame.owningFile})`),
    ];
  }
  const identity = `${frame.place}/${numberOf(node)}`;
  let view: ReturnType<ComponentSession['use']>;
  try {
    view = session.use({
      identity,
      is,
      owner: frame.owner,
      props,
      callbacks,
      ...(ref === undefined ? {} : { ref }),
    });
  } catch (error) {
    return [notice(state, `<${node.tag}>: ${error instanceof Error ? error.message : String(error)}`)];
  }
  state.components.add(is);
  // What the tag holds goes to the slots: by `slot="name"`, and the rest to the default slot.
  const slots = new Map<string, SlotFill>();
  for (const child of node.children) {
    if (child.type === 'text' && child.text.trim() === '') continue;
    const name = (child.type === 'element' ? attr(child, 'slot') : undefined) ?? 'default';
    const fill = slots.get(name) ?? { nodes: [], scope, frame };
    fill.nodes.push(child);
    slots.set(name, fill);
  }
  const $slots: Record<string, boolean> = {};
  for (const name of slots.keys()) $slots[name === 'default' ? '$default' : name] = true;
  const file = `${is}.txml`;
  const tree = parseCached(source);
  const inner: Frame = {
    file,
    owningFile: file,
    owner: view.id,
    templates: new Map(),
    slots,
    place: identity,
  };
  collectTemplates(tree, state, inner);
  // Tiki's components read props by name (`{{text}}`) as well as `{{props.text}}`; data wins over props.
  const componentScope: Scope = [
    { $id: view.id, props: view.props, $slots },
    modulesOf(tree, state, file),
    view.data,
    view.props,
  ];
  state.drawing.push(is);
  try {
    const children = renderChildren(tree, componentScope, state, inner);
    return [{ kind: 'component', tag: node.tag, is, id: view.id, children }];
  } finally {
    state.drawing.pop();
  }
}

/** `<slot name>`: what the component's user put there, in the user's scope; else the slot's own content. */
function renderSlot(node: TElement, scope: Scope, state: State, frame: Frame): VNode[] {
  const name = attr(node, 'name') ?? 'default';
  const fill = frame.slots.get(name);
  if (fill === undefined) return renderChildren(node.children, scope, state, frame);
  // `<slot x="{{x}}">` hands values to the user's `slot-scope="s"`: `{{s.x}}`.
  const values: Record<string, unknown> = {};
  for (const [attribute, raw] of node.attrs) {
    if (attribute === 'name') continue;
    try {
      values[attribute] = interpolate(raw, scope);
    } catch (error) {
      return [notice(state, expressionProblem(error))];
    }
  }
  const layer: Record<string, unknown> = {};
  for (const child of fill.nodes) {
    const scopeName = child.type === 'element' ? attr(child, 'slot-scope') : undefined;
    if (scopeName !== undefined) layer[scopeName] = values;
  }
  return renderChildren(fill.nodes, [layer, ...fill.scope], state, fill.frame);
}

/** `<template is="name" data="{{ ...item, more: 1 }}">`: the named template with only `data` in scope. */
function renderTemplateUse(node: TElement, scope: Scope, state: State, frame: Frame): VNode[] {
  if (attr(node, 'name') !== undefined) return []; // a definition draws nothing where it is written
  const isValue = attr(node, 'is');
  if (isValue === undefined) return [notice(state, '<template> has neither name nor is')];
  let name: string;
  let data: unknown = {};
  try {
    name = asText(interpolate(isValue, scope));
    const dataValue = attr(node, 'data');
    if (dataValue !== undefined) {
      // The family writes an object literal without its braces: {{ ...item, index }}.
      const body = /^\s*\{\{([\s\S]*)\}\}\s*$/.exec(dataValue)?.[1];
      data = body === undefined ? {} : interpolate(`{{({${body}})}}`, scope);
    }
  } catch (error) {
    return [notice(state, expressionProblem(error))];
  }
  const template = frame.templates.get(name);
  if (template === undefined) return [notice(state, `<template is="${name}">: no template of that name`)];
  const used: Frame = { ...frame, file: template.file, place: `${frame.place}/${numberOf(node)}` };
  return renderChildren(template.node.children, [(data ?? {}) as Record<string, unknown>], state, used);
}

/** `<include src>`: the file's content, less its templates, drawn here in the current scope. */
function renderInclude(node: TElement, scope: Scope, state: State, frame: Frame): VNode[] {
  const src = attr(node, 'src');
  if (src === undefined) return [notice(state, '<include> has no src')];
  const loaded = loadFile(state, frame.file, src);
  if (loaded === undefined)
    return [{ kind: 'notice', text: `${src}: no such file in the app (from ${frame.file})` }];
  if (state.including.includes(loaded.file))
    return [notice(state, `<include src="${src}">: includes itself`)];
  state.including.push(loaded.file);
  try {
    const whole = parseCached(loaded.source);
    const tree = whole.filter((n) => !(n.type === 'element' && (n.tag === 'template' || n.tag === 'import')));
    const included: Frame = { ...frame, file: loaded.file, place: `${frame.place}/${numberOf(node)}` };
    return renderChildren(tree, [modulesOf(whole, state, loaded.file), ...scope], state, included);
  } finally {
    state.including.pop();
  }
}

function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function expressionProblem(error: unknown): string {
  if (error instanceof ExpressionError) return error.message;
  return String(error);
}
