import { createHmac } from 'node:crypto';

/**
 * The signing primitives shared by signing and verification. Tiki's rule:
 * signature = hex(HMAC_SHA256(key = clientSecret, message = base64url_no_padding(utf8(payload)))).
 */

const utf8 = new TextEncoder();

/** `timestamp.clientId.content`: the string Tiki signs for REST calls. */
export function buildPayload(timestamp: string, clientId: string, content: string): string {
  return `${timestamp}.${clientId}.${content}`;
}

/**
 * The payload bytes as received: the prefix is ASCII-safe text we build, the content is left exactly as it
 * arrived, so a body is never decoded and re-encoded on its way to the HMAC.
 */
export function payloadBytes(timestamp: string, clientId: string, content: string | Uint8Array): Uint8Array {
  const prefix = utf8.encode(`${timestamp}.${clientId}.`);
  const body = typeof content === 'string' ? utf8.encode(content) : content;
  const bytes = new Uint8Array(prefix.length + body.length);
  bytes.set(prefix, 0);
  bytes.set(body, prefix.length);
  return bytes;
}

/** base64url without padding, of the UTF-8 bytes of the payload. */
export function encodePayload(payload: string | Uint8Array): string {
  const bytes = typeof payload === 'string' ? utf8.encode(payload) : payload;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Lowercase hex HMAC-SHA256 over the encoded payload. */
export function hmacHex(clientSecret: string, encodedPayload: string): string {
  return createHmac('sha256', clientSecret).update(encodedPayload, 'utf8').digest('hex');
}

/**
 * The older GraphQL generation signs the JSON of its input fields (without `signature`) with keys sorted, as
 * Tiki's first Go sample did with `json.Marshal` of a map. Go escapes `<`, `>`, `&`, U+2028 and U+2029 where
 * JSON.stringify does not; we escape them the same way so both produce identical bytes.
 */
export function sortedFieldsJson(fields: Record<string, string | number>): string {
  const sorted: Record<string, string | number> = {};
  for (const key of Object.keys(fields).sort()) sorted[key] = fields[key] as string | number;
  return JSON.stringify(sorted).replace(/[<>&\u2028\u2029]/g, (char) => {
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
