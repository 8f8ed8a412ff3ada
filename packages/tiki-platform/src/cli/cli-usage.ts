export const USAGE = `tiki-sign: print the payload, encoded payload and signature Tiki expects.

Usage:
  tiki-sign --key <client key> --body '<raw JSON body>'       [--timestamp <ms>] [--expect <signature>]
  tiki-sign --key <client key> --body-file <file>             [--timestamp <ms>] [--expect <signature>]
  tiki-sign --key <client key> --get '/path?name=value&...'   [--timestamp <ms>] [--expect <signature>]
  tiki-sign --graphql '{"client_id":"...","code":"...","timestamp":1620901354516}' [--expect <signature>]

Options:
  --key <key>          client key (X-Tiniapp-Client-Id); default: env TIKI_CLIENT_ID
  --secret <secret>    client secret; default: env TIKI_CLIENT_SECRET (preferred: keeps it out of shell history)
  --timestamp <ms>     Unix time in milliseconds (13 digits); default: now
  --body <json>        POST body, signed byte for byte as given (spaces and key order matter)
  --body-file <file>   POST body read from a file, signed byte for byte (a trailing newline counts too)
  --get <path?query>   GET path and query without the base URL; query values are re-encoded as
                       encodeURIComponent does (space = %20), which is what Tiki signs
  --graphql <json>     the older GraphQL generation's input fields; the signature covers their JSON with keys
                       sorted (client_id and timestamp are added from --key and --timestamp when absent)
  --expect <sig>       a signature to compare with; exit code 1 when it differs
  -h, --help           this text

Exit codes: 0 signed (and matched --expect), 1 --expect differs, 2 usage error.
`;

/** A mistake in the command line: reported with exit code 2, never a stack trace. */
export class UsageError extends Error {}
