import { ClientError, GraphQLClient } from 'graphql-request';
import * as z from 'zod';
import {
  GraphqlErrorSchema,
  type GraphqlToken,
  GraphqlTokenSchema,
  TIKI_GRAPHQL_FIELDS,
} from '../facts/schemas.ts';
import { graphqlSignatureOf } from '../signing/payload.ts';
import { TikiError, TikiResponseError } from './errors.ts';
import type { HttpTransport } from './http-transport.ts';
import { type CallContext, tikiRefusal, unusableResponse } from './read-envelope.ts';
import { describeIssues } from './zod-issues.ts';

export type GraphqlOperation = keyof typeof TIKI_GRAPHQL_FIELDS;

/** A GraphQL string literal: JSON's escaping is a subset of GraphQL's, so JSON.stringify is exact. */
function literal(value: string | number): string {
  return typeof value === 'number' ? value.toFixed(0) : JSON.stringify(value);
}

/**
 * The document exactly as Tiki documents it: the input inline, in Tiki's field order, signature last. Inline
 * rather than variables because Tiki never documented the input's type name, which a variable must declare.
 */
export function buildGraphqlDocument(field: string, input: Record<string, string | number>): string {
  const fields = Object.entries(input)
    .map(([key, value]) => `${key}: ${literal(value)}`)
    .join(', ');
  return `query {\n  ${field}(input: { ${fields} }) {\n    access_token refresh_token expires_in scopes\n  }\n}`;
}

/**
 * The older generation: POST a document whose input carries client_id, a millisecond timestamp (a number) and
 * the signature over the other fields sorted. One attempt, one deadline; never retried by the client.
 */
export async function callGraphql(i: {
  operation: GraphqlOperation;
  credential: { name: 'code' | 'refresh_token'; value: string };
  clientId: string;
  clientSecret: string;
  timestampMs: number;
  graphqlUrl: string;
  http: HttpTransport;
  timeoutMs: number;
  call: CallContext;
}): Promise<GraphqlToken> {
  const field = TIKI_GRAPHQL_FIELDS[i.operation];
  const signed = { [i.credential.name]: i.credential.value, client_id: i.clientId, timestamp: i.timestampMs };
  const signature = graphqlSignatureOf(i.clientSecret, signed);
  const document = buildGraphqlDocument(field, { ...signed, signature });
  const secrets = [...i.call.secrets, signature];
  const call = { ...i.call, secrets };

  let status = 0;
  const deadlineFetch = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    // graphql-request speaks fetch: its one POST goes through the client's transport like every other call.
    const url = input instanceof Request ? input.url : String(input);
    const raw = await i.http({
      url,
      method: 'POST',
      headers: Object.fromEntries(new Headers(init?.headers)),
      body: typeof init?.body === 'string' ? init.body : '',
      timeoutMs: i.timeoutMs,
      what: i.call.what,
    });
    status = raw.status;
    const nullBody = [101, 204, 205, 304].includes(raw.status);
    const headers = raw.contentType ? { 'content-type': raw.contentType } : undefined;
    return new Response(nullBody ? null : raw.text, { status: raw.status, headers });
  };

  let data: unknown;
  try {
    const headers = { ...i.call.headers };
    data = await new GraphQLClient(i.graphqlUrl, { fetch: deadlineFetch, headers }).request(document);
  } catch (error) {
    throw toTikiError(error, status, call);
  }
  const parsed = z.object({ [field]: GraphqlTokenSchema }).safeParse(data);
  if (!parsed.success) {
    throw new TikiResponseError({
      status,
      message: `${call.what}: data does not match the documented shape (${describeIssues(parsed.error)})`,
    });
  }
  return parsed.data[field] as GraphqlToken;
}

/**
 * graphql-request's own errors quote the whole request and response (codes, tokens, the signature), so they
 * are never wrapped or kept as a cause: only what we read from them goes into our message.
 */
function toTikiError(error: unknown, status: number, call: CallContext): Error {
  if (error instanceof TikiError) return error;
  if (error instanceof ClientError) {
    const first = GraphqlErrorSchema.safeParse(error.response.errors?.[0]);
    if (first.success) {
      const reason = first.data.extensions?.reason ?? 'graphql_error';
      const tikiCode = first.data.extensions?.code ?? null;
      return tikiRefusal({
        status: error.response.status,
        reason,
        tikiCode,
        message: first.data.message,
        call,
      });
    }
    const raw = { status: error.response.status, contentType: null, text: '' };
    return unusableResponse(raw, call, 'is not a GraphQL response with errors');
  }
  return new TikiResponseError({ status, message: `${call.what}: the body is not a GraphQL response` });
}
