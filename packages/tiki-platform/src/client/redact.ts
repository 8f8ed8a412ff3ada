/**
 * Text that comes from the other side (Tiki's messages, GraphQL errors) can quote what we sent. Before it goes
 * into an error message, every credential of the call is replaced, so messages stay safe to log.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let safe = text;
  for (const secret of secrets) {
    if (secret.length >= 4) safe = safe.split(secret).join('[redacted]');
  }
  return safe.length > 300 ? `${safe.slice(0, 300)}…` : safe;
}
