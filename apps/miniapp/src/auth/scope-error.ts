/** `my.getAuthCode` reported scopes it could not grant: '1' the app may not request them, '2' the user refused. */
export class ScopeError extends Error {
  override name = 'ScopeError';
  constructor(
    /** Scopes the app is not allowed to request (error '1'): fixed in Tini Console, not by the user. */
    readonly notAllowed: string[],
    /** Scopes the user refused (error '2'): the user can try again and accept. */
    readonly refused: string[],
    /** Any other code Tiki may add, kept so that nothing is lost. */
    readonly other: Record<string, string>,
  ) {
    super(
      `Scopes not granted: not allowed [${notAllowed.join(', ')}], refused [${refused.join(', ')}]` +
        (Object.keys(other).length > 0 ? `, other ${JSON.stringify(other)}` : ''),
    );
  }
}

/**
 * The scopes that stop a login, or null. A scope in `optional` that the user refused (error '2') does not: the
 * login goes on without it. One the app may not request (error '1') always does: the developer must fix it.
 */
export function toScopeError(
  scopeErrors: Record<string, string>,
  optional: readonly string[] = [],
): ScopeError | null {
  const notAllowed: string[] = [];
  const refused: string[] = [];
  const other: Record<string, string> = {};
  for (const scope of Object.keys(scopeErrors)) {
    const code = scopeErrors[scope];
    if (code === '1') notAllowed.push(scope);
    else if (code === '2' && optional.includes(scope)) continue;
    else if (code === '2') refused.push(scope);
    else if (code !== undefined) other[scope] = code;
  }
  if (notAllowed.length + refused.length + Object.keys(other).length === 0) return null;
  return new ScopeError(notAllowed, refused, other);
}
