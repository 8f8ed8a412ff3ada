/**
 * The older generation's GraphQL schema, as far as Tiki documents it (tiki-platform.md, "GraphQL calls"), in
 * SDL: the emulator builds its endpoint from it plus resolvers, and this package's test stand-in validates the
 * client's documents against it. Field and argument names are Tiki's (snake_case).
 *
 * Assumptions where Tiki's docs are silent: the input types' names (the client inlines the input, so it never
 * names them); `timestamp` is a custom scalar, because milliseconds overflow GraphQL's 32-bit Int; `timestamp`
 * and `signature` are nullable, so that a missing one is refused as `invalid_signature`, as on REST, instead of
 * as a document error.
 */
export const TIKI_GRAPHQL_SDL = /* GraphQL */ `
  "Unix time in milliseconds, written as an integer literal (e.g. 1620470539433)."
  scalar Timestamp

  input GetAuthAccessTokenInput {
    code: String!
    client_id: String!
    timestamp: Timestamp
    signature: String
  }

  input RefreshAuthAccessTokenInput {
    refresh_token: String!
    client_id: String!
    timestamp: Timestamp
    signature: String
  }

  type AuthAccessToken {
    access_token: String!
    "Only when the scope offline was granted."
    refresh_token: String
    "Seconds."
    expires_in: Int!
    scopes: [String!]!
  }

  type Query {
    get_auth_access_token(input: GetAuthAccessTokenInput!): AuthAccessToken
    refresh_auth_access_token(input: RefreshAuthAccessTokenInput!): AuthAccessToken
  }
`;
