/** Argument checks for programming misuse: a wrong type is a bug in the caller, so it throws instead of returning. */

const PREFIX = 'tiki-platform:';

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'a Uint8Array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function misuse(message: string): TypeError {
  return new TypeError(`${PREFIX} ${message}`);
}

export function outOfRange(message: string): RangeError {
  return new RangeError(`${PREFIX} ${message}`);
}

export function requireString(name: string, value: unknown): string {
  if (typeof value !== 'string') throw misuse(`${name} must be a string, got ${describeValue(value)}`);
  return value;
}

export function requireNonEmptyString(name: string, value: unknown): string {
  if (requireString(name, value) === '') throw misuse(`${name} must not be empty`);
  return value as string;
}

export function requireOptionalString(name: string, value: unknown): string | undefined {
  return value === undefined ? undefined : requireString(name, value);
}

export function requireStringOrBytes(name: string, value: unknown): string | Uint8Array {
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  throw misuse(`${name} must be a string or a Uint8Array, got ${describeValue(value)}`);
}

export function requireFiniteNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw misuse(`${name} must be a finite number, got ${describeValue(value)}`);
  }
  return value;
}

export function requirePositiveNumber(name: string, value: unknown): number {
  if (requireFiniteNumber(name, value) <= 0) throw misuse(`${name} must be greater than 0, got ${value}`);
  return value as number;
}

export function requireRecord(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw misuse(`${name} must be a plain object, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Fields of a GraphQL input are strings and numbers only: anything else cannot be part of Tiki's input. */
export function requireFieldValues(value: unknown): Record<string, string | number> {
  const fields = requireRecord('fields', value);
  for (const [key, field] of Object.entries(fields)) {
    if (typeof field !== 'string' && typeof field !== 'number') {
      throw misuse(`fields.${key} must be a string or a number, got ${describeValue(field)}`);
    }
  }
  return fields as Record<string, string | number>;
}
