import { canonicalPathAndQuery } from '../signing/sign.ts';
import { UsageError } from './cli-usage.ts';

/**
 * Re-encodes each query key and value as encodeURIComponent does, accepting them raw ("Hà Nội") or already
 * encoded ("H%C3%A0%20N%E1%BB%99i"). Order and repeated keys are kept.
 */
export function canonicalGet(input: string): { pathAndQuery: string; notes: string[] } {
  const questionMark = input.indexOf('?');
  const path = questionMark === -1 ? input : input.slice(0, questionMark);
  const query = questionMark === -1 ? '' : input.slice(questionMark + 1);
  if (!path.startsWith('/'))
    throw new UsageError(`--get takes the path without the base URL, starting with "/"`);
  let pathAndQuery = path;
  for (const pair of query.split('&').filter((p) => p !== '')) {
    const equals = pair.indexOf('=');
    const key = decodeLenient(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? '' : decodeLenient(pair.slice(equals + 1));
    pathAndQuery = canonicalPathAndQuery(pathAndQuery, { [key]: value });
  }
  const notes: string[] = [];
  if (pathAndQuery !== input) notes.push(`signed the canonical form of the path: ${pathAndQuery}`);
  if (query.includes('+'))
    notes.push('"+" is signed as a literal plus (%2B); Tiki encodes a space as %20, not +');
  return { pathAndQuery, notes };
}

function decodeLenient(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
