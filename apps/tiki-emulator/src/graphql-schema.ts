import {
  GraphQLError,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  Kind,
} from 'graphql';

/**
 * The older generation of Tiki's Platform API: a GraphQL endpoint with two queries whose signature travels
 * inside the input. Field and argument names are Tiki's (snake_case).
 */

function asTimestamp(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new GraphQLError('Timestamp must be a non-negative integer: Unix time in milliseconds');
  }
  return value;
}

/** Milliseconds since the epoch exceed GraphQL's 32-bit Int, so the timestamp has its own scalar. */
export const TimestampScalar = new GraphQLScalarType<number, number>({
  name: 'Timestamp',
  description: 'Unix time in milliseconds, written as an integer literal (e.g. 1620470539433).',
  serialize: asTimestamp,
  parseValue: asTimestamp,
  parseLiteral(ast) {
    if (ast.kind !== Kind.INT) {
      throw new GraphQLError('Timestamp must be an integer literal: Unix time in milliseconds', {
        nodes: ast,
      });
    }
    return asTimestamp(Number(ast.value));
  },
});

const AuthAccessToken = new GraphQLObjectType({
  name: 'AuthAccessToken',
  fields: {
    access_token: { type: new GraphQLNonNull(GraphQLString) },
    refresh_token: { type: GraphQLString, description: 'Only when the scope offline was granted.' },
    expires_in: { type: new GraphQLNonNull(GraphQLInt), description: 'Seconds.' },
    scopes: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(GraphQLString))) },
  },
});

// timestamp and signature are nullable so that a missing one is Tiki's invalid_signature, as on REST.
const GetAuthAccessTokenInput = new GraphQLInputObjectType({
  name: 'GetAuthAccessTokenInput',
  fields: {
    code: { type: new GraphQLNonNull(GraphQLString) },
    client_id: { type: new GraphQLNonNull(GraphQLString) },
    timestamp: { type: TimestampScalar },
    signature: { type: GraphQLString },
  },
});

const RefreshAuthAccessTokenInput = new GraphQLInputObjectType({
  name: 'RefreshAuthAccessTokenInput',
  fields: {
    refresh_token: { type: new GraphQLNonNull(GraphQLString) },
    client_id: { type: new GraphQLNonNull(GraphQLString) },
    timestamp: { type: TimestampScalar },
    signature: { type: GraphQLString },
  },
});

export interface GetAuthAccessTokenArgs {
  input: { code: string; client_id: string; timestamp?: number | null; signature?: string | null };
}
export interface RefreshAuthAccessTokenArgs {
  input: { refresh_token: string; client_id: string; timestamp?: number | null; signature?: string | null };
}
export interface AuthAccessTokenResult {
  access_token: string;
  refresh_token: string | null;
  expires_in: number;
  scopes: string[];
}

export interface GraphqlResolvers<Context> {
  getAuthAccessToken(args: GetAuthAccessTokenArgs, context: Context): AuthAccessTokenResult;
  refreshAuthAccessToken(args: RefreshAuthAccessTokenArgs, context: Context): AuthAccessTokenResult;
}

/** Resolvers are synchronous on purpose: checking and consuming a code happens without yielding. */
export function buildTikiGraphqlSchema<Context>(resolvers: GraphqlResolvers<Context>): GraphQLSchema {
  return new GraphQLSchema({
    query: new GraphQLObjectType<unknown, Context>({
      name: 'Query',
      fields: {
        get_auth_access_token: {
          type: AuthAccessToken,
          args: { input: { type: new GraphQLNonNull(GetAuthAccessTokenInput) } },
          resolve: (_source, args, context) =>
            resolvers.getAuthAccessToken(args as GetAuthAccessTokenArgs, context),
        },
        refresh_auth_access_token: {
          type: AuthAccessToken,
          args: { input: { type: new GraphQLNonNull(RefreshAuthAccessTokenInput) } },
          resolve: (_source, args, context) =>
            resolvers.refreshAuthAccessToken(args as RefreshAuthAccessTokenArgs, context),
        },
      },
    }),
  });
}
