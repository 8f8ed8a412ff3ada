import { TIKI_HEADERS } from '../facts/schemas.ts';
import type { Explanation } from '../signing/sign.ts';

export function describe(e: Explanation): string[] {
  return [
    `payload:         ${e.payload}`,
    `encoded payload: ${e.encodedPayload}`,
    `signature:       ${e.signature}`,
  ];
}

export function headers(c: { clientId: string; timestamp: string }, e: Explanation): string[] {
  return [
    'headers to send:',
    `  ${titleCase(TIKI_HEADERS.clientId)}: ${c.clientId}`,
    `  ${titleCase(TIKI_HEADERS.timestamp)}: ${c.timestamp}`,
    `  ${titleCase(TIKI_HEADERS.signature)}: ${e.signature}`,
  ];
}

function titleCase(header: string): string {
  return header.replace(
    /(^|-)([a-z])/g,
    (_m, dash: string, letter: string) => `${dash}${letter.toUpperCase()}`,
  );
}

/** Hints for the two classic mismatches: a re-serialized body and a body with a trailing newline. */
export function bodyNotes(body: string): string[] {
  let compact: string;
  try {
    compact = JSON.stringify(JSON.parse(body));
  } catch {
    return ['the body is not valid JSON; it is signed anyway, exactly as given'];
  }
  if (compact === body) return [];
  const notes = [
    'the body is not in compact JSON.stringify form; that is fine only if these exact bytes are sent',
  ];
  if (/\n$/.test(body)) notes.push('the body ends with a newline, which is part of what is signed');
  return notes;
}
