import { buildSchema } from 'graphql';

/**
 * The older generation's schema as far as Tiki documents it. `timestamp` is a millisecond number, larger than
 * GraphQL's 32-bit Int, so it is a custom scalar here (an Int would reject every real timestamp).
 */
export const tikiGraphqlSchema = buildSchema(`
  scalar Timestamp

  input GetAuthAccessTokenInput { code: String!, client_id: String!, timestamp: Timestamp!, signature: String! }
  input RefreshAuthAccessTokenInput {
    refresh_token: String!, client_id: String!, timestamp: Timestamp!, signature: String!
  }

  type AuthAccessToken { access_token: String!, refresh_token: String, expires_in: Int!, scopes: [String!]! }

  type Query {
    get_auth_access_token(input: GetAuthAccessTokenInput!): AuthAccessToken
    refresh_auth_access_token(input: RefreshAuthAccessTokenInput!): AuthAccessToken
  }
`);
