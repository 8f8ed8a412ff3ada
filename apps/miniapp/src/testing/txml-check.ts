/**
 * A static check of a page's .txml against the page object its .js registers: every event handler the
 * template names exists as a function, and every `{{ }}` binding starts from a key of the page's initial
 * data, a `tiki:for` item/index in scope, or an SJS module imported with `<import-sjs name>`.
 * It reads tags with a small tokenizer: enough for templates written like ours (no object-literal bindings).
 */

export interface PageDefinition {
  data: Record<string, unknown>;
  methods: Set<string>;
}

const KEYWORDS = new Set(['true', 'false', 'null', 'undefined', 'typeof', 'in', 'instanceof', 'new', 'this']);
const EVENT_ATTRIBUTE = /^(on|catch)[A-Z]\w*$/;
const TAG =
  /<(\/?)([A-Za-z][\w:-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'))?)*)\s*(\/?)>|<!--[\s\S]*?-->/g;
const ATTRIBUTE = /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'))?/g;
const BINDING = /\{\{([\s\S]*?)\}\}/g;

export function checkTxml(txml: string, page: PageDefinition): string[] {
  const problems: string[] = [];
  const globals = new Set(Object.keys(page.data));
  const scopes: { tag: string; names: string[] }[] = [];
  const inScope = (name: string) => globals.has(name) || scopes.some((s) => s.names.includes(name));

  for (const match of txml.matchAll(/<import-sjs\b[^>]*\bname\s*=\s*"([^"]+)"/g)) {
    if (match[1]) globals.add(match[1]);
  }

  const checkBindings = (text: string, where: string) => {
    for (const binding of text.matchAll(BINDING)) {
      for (const root of rootIdentifiers(binding[1] ?? '')) {
        if (!inScope(root))
          problems.push(`${where}: {{${binding[1]?.trim()}}} uses "${root}", which is not in data`);
      }
    }
  };

  let last = 0;
  for (const tag of txml.matchAll(TAG)) {
    checkBindings(txml.slice(last, tag.index), 'text');
    last = (tag.index ?? 0) + tag[0].length;
    if (tag[0].startsWith('<!--')) continue;
    const [, closing, name = '', rawAttributes = '', selfClosing] = tag;
    if (closing) {
      const index = scopes.map((s) => s.tag).lastIndexOf(name);
      if (index >= 0) scopes.splice(index);
      continue;
    }
    const attributes = new Map<string, string>();
    for (const a of rawAttributes.matchAll(ATTRIBUTE)) {
      if (a[1]) attributes.set(a[1], a[2] ?? a[3] ?? '');
    }
    const forValue = attributes.get('tiki:for');
    if (forValue !== undefined) {
      checkBindings(forValue, `<${name} tiki:for>`);
      scopes.push({
        tag: name,
        names: [attributes.get('tiki:for-item') ?? 'item', attributes.get('tiki:for-index') ?? 'index'],
      });
    } else if (!selfClosing) {
      scopes.push({ tag: name, names: [] });
    }
    for (const [attribute, value] of attributes) {
      if (attribute === 'tiki:for') continue;
      if (EVENT_ATTRIBUTE.test(attribute)) {
        if (!page.methods.has(value))
          problems.push(`<${name} ${attribute}="${value}">: the page has no such handler`);
        continue;
      }
      checkBindings(value, `<${name} ${attribute}>`);
    }
    if (selfClosing && forValue !== undefined) scopes.pop();
  }
  checkBindings(txml.slice(last), 'text');
  return problems;
}

/** The identifiers an expression starts from: not after a dot, not inside a string literal, not keywords. */
export function rootIdentifiers(expression: string): string[] {
  const withoutStrings = expression.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, '""');
  const roots: string[] = [];
  for (const match of withoutStrings.matchAll(/[A-Za-z_$][\w$]*/g)) {
    const preceding = withoutStrings.slice(0, match.index);
    if (/[\w$]$/.test(preceding)) continue; // the tail of a number such as 1e5
    const before = preceding.trimEnd();
    if (before.endsWith('.') && !before.endsWith('...')) continue;
    if (KEYWORDS.has(match[0])) continue;
    if (!roots.includes(match[0])) roots.push(match[0]);
  }
  return roots;
}
