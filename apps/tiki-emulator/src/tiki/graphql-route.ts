import type { Clock } from '@tini-starter/tiki-platform/clock';
import { TIKI_ERROR_REASONS } from '@tini-starter/tiki-platform/schemas';
import { explainGraphqlInput } from '@tini-starter/tiki-platform/sign';
import { verifyGraphqlInput } from '@tini-starter/tiki-platform/verify';
import type { Router } from 'express';
import { type ExecutionResult, execute, GraphQLError, type GraphQLSchema, parse, validate } from 'graphql';
import * as z from 'zod';
import { type FaultedRouteDeps, faultedRoute, type Outcome } from '../controls/faulted-route.ts';
import { clip, parseJsonBody, rawBodyOf, readRawBody, requireJsonContentType } from '../http/json-body.ts';
import { contextOf, type RequestContext } from '../http/request-context.ts';
import { exactRouter } from '../http/router.ts';
import type { EmulatorState, Grant } from '../state/state.ts';
import { maskCredentialsInText } from '../state/tokens.ts';
import { type AuthAccessTokenResult, buildTikiGraphqlSchema } from './graphql-schema.ts';
import { TikiRejection } from './rejection.ts';
import { signatureRejection } from './signed-request.ts';

/** Tiki's older GraphQL endpoint: only the origin differs from https://api.tiki.vn/tiniapp/api/graphql/query. */
export const GRAPHQL_PATH = '/tiniapp/api/graphql/query';

export interface GraphqlRouteDeps extends FaultedRouteDeps {
  state: EmulatorState;
  signatureClock: Clock;
  signatureWindowMs: number;
}

const GraphqlRequestSchema = z.object({
  query: z.string().min(1),
  variables: z.record(z.string(), z.unknown()).nullish(),
  operationName: z.string().nullish(),
});

/** A Tiki rejection as a GraphQL error: the reason and code in `extensions`, as the client reads them. */
function toGraphqlError(rejection: TikiRejection): GraphQLError {
  return new GraphQLError(rejection.message, {
    extensions: { code: rejection.status, reason: rejection.reason },
  });
}

function graphqlRejection(rejection: TikiRejection): Outcome {
  return { status: rejection.status, body: { errors: [toGraphqlError(rejection).toJSON()] } };
}

function tokenResult(grant: Grant): AuthAccessTokenResult {
  return {
    access_token: grant.accessToken,
    refresh_token: grant.refreshToken,
    expires_in: grant.expiresIn,
    scopes: grant.scopes,
  };
}

export function graphqlRoutes(deps: GraphqlRouteDeps): Router {
  const { state } = deps;

  /** Verifies the signature carried inside the input; throws the Tiki rejection, recorded on the context. */
  function verifiedClientId(
    input: { client_id: string; timestamp?: number | null; signature?: string | null },
    credential: Record<string, string>,
    context: RequestContext,
  ): string {
    context.clientId = clip(input.client_id);
    const app = state.getApp(input.client_id);
    if (app === undefined) {
      throw new TikiRejection(
        TIKI_ERROR_REASONS.invalidClient,
        `unknown client id ${JSON.stringify(clip(input.client_id))}`,
      );
    }
    const fields: Record<string, string | number> = { ...credential, client_id: input.client_id };
    if (input.timestamp !== undefined && input.timestamp !== null) fields.timestamp = input.timestamp;
    const verdict = verifyGraphqlInput({
      clientSecret: app.clientSecret,
      fields,
      signature: input.signature ?? undefined,
      now: deps.signatureClock.now(),
      windowMs: deps.signatureWindowMs,
    });
    if (verdict.ok) return app.clientId;
    const expectedPayload =
      verdict.reason === 'signature_mismatch'
        ? maskCredentialsInText(explainGraphqlInput({ clientSecret: app.clientSecret, fields }).payload)
        : undefined;
    throw signatureRejection(verdict, expectedPayload);
  }

  /** Runs a resolver body, turning a Tiki rejection into a GraphQL error and noting the first in the log. */
  function resolve(context: RequestContext, run: () => AuthAccessTokenResult): AuthAccessTokenResult {
    try {
      return run();
    } catch (error) {
      if (!(error instanceof TikiRejection)) throw error;
      if (context.verdict === undefined) {
        context.verdict = error.reason;
        context.message = error.message;
        if (error.expectedPayload !== undefined) context.expectedPayload = error.expectedPayload;
        if (error.signatureProblem !== undefined) context.signatureProblem = error.signatureProblem;
      }
      throw toGraphqlError(error);
    }
  }

  const schema: GraphQLSchema = buildTikiGraphqlSchema<RequestContext>({
    getAuthAccessToken: ({ input }, context) => {
      context.operation ??= 'token';
      return resolve(context, () => {
        const clientId = verifiedClientId(input, { code: input.code }, context);
        return tokenResult(state.exchangeCode(clientId, input.code));
      });
    },
    refreshAuthAccessToken: ({ input }, context) => {
      context.operation ??= 'refresh';
      return resolve(context, () => {
        const clientId = verifiedClientId(input, { refresh_token: input.refresh_token }, context);
        return tokenResult(state.refresh(clientId, input.refresh_token));
      });
    },
  });

  function documentErrors(context: RequestContext, errors: readonly GraphQLError[]): Outcome {
    context.verdict = 'graphql_error';
    context.message = errors[0]?.message ?? 'invalid document';
    return { status: 200, body: { errors: errors.map((error) => error.toJSON()) } };
  }

  const router = exactRouter();
  router.post(
    GRAPHQL_PATH,
    (_req, res, next) => {
      contextOf(res).route = 'graphql';
      next();
    },
    readRawBody,
    faultedRoute(
      deps,
      'graphql',
      (req, context) => {
        requireJsonContentType(req);
        const request = parseJsonBody(rawBodyOf(req), GraphqlRequestSchema);
        let document: ReturnType<typeof parse>;
        try {
          document = parse(request.query);
        } catch (error) {
          if (error instanceof GraphQLError) return documentErrors(context, [error]);
          throw error;
        }
        const invalid = validate(schema, document);
        if (invalid.length > 0) return documentErrors(context, invalid);
        const result = execute({
          schema,
          document,
          variableValues: request.variables ?? undefined,
          operationName: request.operationName ?? undefined,
          contextValue: context,
        }) as ExecutionResult;
        if ('then' in result) throw new Error('tiki-emulator: GraphQL resolvers must stay synchronous');
        if (result.errors !== undefined && context.verdict === undefined) {
          return documentErrors(context, result.errors);
        }
        return { status: 200, body: result };
      },
      graphqlRejection,
    ),
  );
  return router;
}
