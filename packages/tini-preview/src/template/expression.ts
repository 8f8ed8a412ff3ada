/**
 * `{{ }}` bindings. An expression is evaluated as JavaScript against the page's data and the names in scope
 * (a `tiki:for` item and index, `<import-sjs>` modules), through `with` over a scope that answers every name:
 * a name that is not there is `undefined`, as the family's renderers show it (an empty string), never an error.
 * Only a few globals an expression may use stay visible.
 */

/** The names an expression sees, innermost first. */
export type Scope = readonly Record<string, unknown>[];

const VISIBLE_GLOBALS = new Set([
  'Math',
  'JSON',
  'Number',
  'String',
  'Boolean',
  'Array',
  'Object',
  'Date',
  'parseInt',
  'parseFloat',
  'isNaN',
  'undefined',
  'NaN',
  'Infinity',
]);

const compiled = new Map<string, (scope: object) => unknown>();

function compile(expression: string): (scope: object) => unknown {
  let fn = compiled.get(expression);
  if (!fn) {
    // A function made by the Function constructor is sloppy code, where `with` is allowed.
    fn = new Function('__scope', `with (__scope) { return (${expression}\n); }`) as (
      scope: object,
    ) => unknown;
    compiled.set(expression, fn);
  }
  return fn;
}

function scopeObject(scope: Scope): object {
  return new Proxy(
    {},
    {
      has: (_, key) => typeof key === 'string' && !VISIBLE_GLOBALS.has(key),
      get: (_, key) => {
        if (typeof key !== 'string') return undefined;
        for (const layer of scope)
          if (layer !== null && typeof layer === 'object' && key in layer) return layer[key];
        return undefined;
      },
    },
  );
}

export class ExpressionError extends Error {
  override name = 'ExpressionError';
}

export function evaluate(expression: string, scope: Scope): unknown {
  try {
    return compile(expression)(scopeObject(scope));
  } catch (error) {
    throw new ExpressionError(
      `{{${expression.trim()}}}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

const BINDING = /\{\{([\s\S]*?)\}\}/g;

/**
 * A text or attribute value with its bindings: one binding alone keeps its value's type (`disabled="{{!ok}}"`
 * is a boolean); mixed with text, each binding becomes text, `undefined` and `null` as nothing.
 */
export function interpolate(value: string, scope: Scope): unknown {
  const only = /^\s*\{\{([\s\S]*?)\}\}\s*$/.exec(value);
  if (only && !only[1]?.includes('}}')) return evaluate(only[1] ?? '', scope);
  if (!value.includes('{{')) return value;
  return value.replace(BINDING, (_, expression: string) => asText(evaluate(expression, scope)));
}

export function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
