import express, { type Request } from 'express';
import type { z } from 'zod';
import { TikiRejection } from '../tiki/rejection.ts';

/** Bodies of every POST the emulator reads, Tiki's routes and its own controls alike. */
export const BODY_LIMIT_BYTES = 16 * 1024;

/**
 * Reads the body as the exact bytes received, whatever the content type (checked afterwards with a clear
 * error), up to 16 KB. No inflation: Tiki signs the bytes on the wire.
 */
export const readRawBody = express.raw({ type: () => true, limit: BODY_LIMIT_BYTES, inflate: false });

export function rawBodyOf(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

export function requireJsonContentType(req: Request): void {
  const type = req.get('content-type');
  if (type === undefined || !req.is('application/json')) {
    const got = type === undefined ? 'none' : JSON.stringify(clip(type));
    throw new TikiRejection('invalid_request', `content type must be application/json, got ${got}`);
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1];
  // 'utf8' is the alias many HTTP clients write; both name the same bytes.
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    throw new TikiRejection(
      'invalid_request',
      `JSON must be UTF-8, got charset ${JSON.stringify(clip(charset))}`,
    );
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The raw body as JSON: never decoded lossily, so what is parsed is what was received. */
export function decodeJson(raw: Buffer): unknown {
  if (raw.length === 0)
    throw new TikiRejection('invalid_request', 'the body is empty; expected a JSON object');
  let text: string;
  try {
    text = strictUtf8.decode(raw);
  } catch {
    throw new TikiRejection('invalid_request', 'the body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new TikiRejection('invalid_request', 'the body is not valid JSON');
  }
}

/** Parses the raw body (already verified, for Tiki's routes) as a JSON object matching `schema`. */
export function parseJsonBody<T>(raw: Buffer, schema: z.ZodType<T>): T {
  const value = decodeJson(raw);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TikiRejection('invalid_request', 'the body must be a JSON object');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'body';
    const key = issue?.path[0];
    const missing = typeof key === 'string' && (value as Record<string, unknown>)[key] === undefined;
    const problem = missing ? 'is missing' : `is invalid (${issue?.message ?? 'unexpected value'})`;
    throw new TikiRejection('invalid_request', `field "${field}" ${problem}`);
  }
  return parsed.data;
}

export function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
