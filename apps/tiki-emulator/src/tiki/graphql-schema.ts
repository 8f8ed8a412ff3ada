import { TIKI_GRAPHQL_SDL } from '@tini-starter/tiki-platform/graphql-schema';
import { type GraphqlToken, TIKI_GRAPHQL_FIELDS } from '@tini-starter/tiki-platform/schemas';
import {
  buildSchema,
  GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLScalarType,
  type GraphQLSchema,
  Kind,
} from 'graphql';

/**
 * The older generation of Tiki's Platform API: a GraphQL endpoint with two queries whose signature travels
 * inside the input. The schema is the platform package's SDL (one definition, shared with the client's tests);
 * this module adds the resolvers and the `Timestamp` scalar's parsing.
 */

function asTimestamp(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new GraphQLError('Timestamp must be a non-negative integer: Unix time in milliseconds');
  }
  return value;
}

export interface GetAuthAccessTokenArgs {
  input: { code: string; client_id: string; timestamp?: number | null; signature?: string | null };
}
export interface RefreshAuthAccessTokenArgs {
  input: { refresh_token: string; client_id: string; timestamp?: number | null; signature?: string | null };
}
/** What both queries answer, typed by the platform's schema so that a change there breaks the build here. */
export type AuthAccessTokenResult = GraphqlToken;

export interface GraphqlResolvers<Context> {
  getAuthAccessToken(args: GetAuthAccessTokenArgs, context: Context): AuthAccessTokenResult;
  refreshAuthAccessToken(args: RefreshAuthAccessTokenArgs, context: Context): AuthAccessTokenResult;
}

/** Resolvers are synchronous on purpose: checking and consuming a code happens without yielding. */
export function buildTikiGraphqlSchema<Context>(resolvers: GraphqlResolvers<Context>): GraphQLSchema {
  const schema = buildSchema(TIKI_GRAPHQL_SDL);

  // Milliseconds since the epoch exceed GraphQL's 32-bit Int: the scalar takes integer literals only.
  const timestamp = schema.getType('Timestamp') as GraphQLScalarType<number, number>;
  timestamp.serialize = asTimestamp;
  timestamp.parseValue = asTimestamp;
  timestamp.parseLiteral = (ast) => {
    if (ast.kind !== Kind.INT) {
      throw new GraphQLError('Timestamp must be an integer literal: Unix time in milliseconds', {
        nodes: ast,
      });
    }
    return asTimestamp(Number(ast.value));
  };

  const fields = schema.getQueryType()?.getFields() ?? {};
  const resolveWith = (name: string, resolve: GraphQLFieldResolver<unknown, Context>) => {
    const field = fields[name];
    if (field === undefined) throw new Error(`tiki-emulator: the GraphQL SDL has no query ${name}`);
    field.resolve = resolve;
  };
  resolveWith(TIKI_GRAPHQL_FIELDS.exchange, (_source, args, context) =>
    resolvers.getAuthAccessToken(args as GetAuthAccessTokenArgs, context),
  );
  resolveWith(TIKI_GRAPHQL_FIELDS.refresh, (_source, args, context) =>
    resolvers.refreshAuthAccessToken(args as RefreshAuthAccessTokenArgs, context),
  );
  return schema;
}
