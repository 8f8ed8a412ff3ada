/** The token of an `Authorization: Bearer <token>` header: undefined when there is none, '' when malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match ? match[1] : '';
}
