/**
 * A page's TXML and data in, a tree the DOM layer draws out: directives applied (`tiki:if`/`elif`/`else`,
 * `tiki:for` with `-item`, `-index` and `-key`), `{{ }}` evaluated, events and `data-*` collected. Anything the
 * preview does not know (a tag, an attribute, an event, a directive, an expression that throws) becomes a
 * notice in the tree where it was, and in `notices`: a page is never drawn wrong in silence.
 *
 * Pure: no DOM, so tests read it in Node. Which tags and attributes Tini has is from Tiki's component docs;
 * how directives combine (`tiki:if` beside `tiki:for` is evaluated per item) follows the mini program family.
 */
import { asText, ExpressionError, interpolate, type Scope } from './expression.ts';
import { parseTxml, type TElement, type TNode } from './parse.ts';

export type VNode = VElement | VText | VNotice;
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

/** Where other TXML files come from (`<import>`, `<include>`): by a path already resolved against the page. */
export interface RenderContext {
  /** The path of the file being rendered inside the app (`pages/index/index.txml`), for resolving `src`. */
  file: string;
  load?: (file: string) => string | undefined;
}

export interface Rendered {
  nodes: VNode[];
  notices: string[];
}

interface State {
  ctx: RenderContext;
  notices: string[];
  templates: Map<string, TElement>;
  /** Files being included, to stop a loop. */
  including: string[];
}

export function renderTxml(
  source: string | TNode[],
  data: Record<string, unknown>,
  ctx: RenderContext,
): Rendered {
  const state: State = { ctx, notices: [], templates: new Map(), including: [ctx.file] };
  const tree = typeof source === 'string' ? parseTxml(source) : source;
  collectTemplates(tree, state, ctx.file);
  const nodes = renderChildren(tree, [data], state, ctx.file);
  return { nodes, notices: state.notices };
}

function notice(state: State, text: string): VNotice {
  state.notices.push(text);
  return { kind: 'notice', text };
}

/** `<template name>` definitions and those of `<import src>`-ed files, visible to the whole file. */
function collectTemplates(tree: TNode[], state: State, file: string, depth = 0): void {
  for (const node of tree) {
    if (node.type !== 'element') continue;
    if (node.tag === 'template') {
      const name = attr(node, 'name');
      if (name !== undefined) state.templates.set(name, node);
    } else if (node.tag === 'import' && depth < 8) {
      const src = attr(node, 'src');
      const loaded = src === undefined ? undefined : loadFile(state, file, src);
      if (loaded !== undefined) {
        // The family's rule: an import brings the imported file's own templates, not those it imports.
        for (const child of parseTxml(loaded.source)) {
          if (child.type === 'element' && child.tag === 'template') {
            const name = attr(child, 'name');
            if (name !== undefined) state.templates.set(name, child);
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

function renderChildren(nodes: TNode[], scope: Scope, state: State, file: string): VNode[] {
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
      out.push(...renderList(node, forValue, condition, scope, state, file));
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
    out.push(...renderElement(node, scope, state, file));
  }
  return out;
}

function renderList(
  node: TElement,
  forValue: string,
  condition: string | undefined,
  scope: Scope,
  state: State,
  file: string,
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
    const rendered = renderElement(node, inner, state, file);
    if (keyName !== undefined) {
      const key =
        keyName === '*this'
          ? asText(item)
          : asText(
              item !== null && typeof item === 'object' ? (item as Record<string, unknown>)[keyName] : item,
            );
      for (const v of rendered) if (v.kind === 'element') v.key = key;
    }
    out.push(...rendered);
  }
  return out;
}

function renderElement(node: TElement, scope: Scope, state: State, file: string): VNode[] {
  switch (node.tag) {
    case 'block':
      return renderChildren(node.children, scope, state, file);
    case 'template':
      return renderTemplateUse(node, scope, state, file);
    case 'import':
      return [];
    case 'include':
      return renderInclude(node, scope, state, file);
  }
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
    if (DIRECTIVES.has(name)) continue;
    if (name.startsWith('tiki:')) {
      problems.push(notice(state, `<${node.tag} ${name}>: the preview does not know this directive`));
      continue;
    }
    const event = /^(on|catch)([A-Z]\w*)$/.exec(name);
    let value: unknown;
    try {
      value = interpolate(raw, scope);
    } catch (error) {
      problems.push(notice(state, expressionProblem(error)));
      continue;
    }
    if (event) {
      const type = (event[2] ?? '').charAt(0).toLowerCase() + (event[2] ?? '').slice(1);
      if (!KNOWN_EVENTS.has(type)) {
        problems.push(notice(state, `<${node.tag} ${name}>: the preview does not deliver "${type}" events`));
        continue;
      }
      element.events.push({ type, handler: asText(value), stops: event[1] === 'catch' });
    } else if (name.startsWith('data-')) {
      element.dataset[camelCase(name.slice(5))] = value;
    } else if (COMMON_ATTRIBUTES.includes(name) || known.includes(name)) {
      element.props[name] = raw === '' && !raw.includes('{{') ? true : value;
    } else {
      problems.push(notice(state, `<${node.tag} ${name}>: the preview does not know this attribute`));
    }
  }
  element.children = [...problems, ...renderChildren(node.children, scope, state, file)];
  return [element];
}

/** `<template is="name" data="{{ ...item, more: 1 }}">`: the named template with only `data` in scope. */
function renderTemplateUse(node: TElement, scope: Scope, state: State, file: string): VNode[] {
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
  const template = state.templates.get(name);
  if (template === undefined) return [notice(state, `<template is="${name}">: no template of that name`)];
  return renderChildren(template.children, [(data ?? {}) as Record<string, unknown>], state, file);
}

/** `<include src>`: the file's content, less its templates, drawn here in the current scope. */
function renderInclude(node: TElement, scope: Scope, state: State, file: string): VNode[] {
  const src = attr(node, 'src');
  if (src === undefined) return [notice(state, '<include> has no src')];
  const loaded = loadFile(state, file, src);
  if (loaded === undefined)
    return [{ kind: 'notice', text: `${src}: no such file in the app (from ${file})` }];
  if (state.including.includes(loaded.file))
    return [notice(state, `<include src="${src}">: includes itself`)];
  state.including.push(loaded.file);
  try {
    const tree = parseTxml(loaded.source).filter(
      (n) => !(n.type === 'element' && (n.tag === 'template' || n.tag === 'import')),
    );
    return renderChildren(tree, scope, state, loaded.file);
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
