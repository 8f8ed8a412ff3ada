import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildSchema,
  type FieldNode,
  type GraphQLInputType,
  Kind,
  parse,
  validate,
  valueFromAST,
} from 'graphql';
import type { Clock } from '../client/clock.ts';
import { TIKI_GRAPHQL_SDL } from '../facts/graphql-schema.ts';
import { TIKI_PAYMENT_PATHS } from '../facts/payments.ts';
import { TIKI_ERROR_REASONS, TIKI_HEADERS, TIKI_PATHS } from '../facts/schemas.ts';
import { type Verdict, verifyGraphqlInput, verifySignature } from '../signing/verify.ts';

/**
 * Why a second Tiki beside apps/tiki-emulator: the client's tests script answers the faithful emulator never
 * gives (HTML, broken envelopes, a hang mid-call), and the emulator depends on this package, not the reverse.
 *
 * A stand-in for Tiki on a real port, for the client's integration tests. It verifies every signature with
 * this package's verify functions over the raw bytes it received, records each request, and answers what the
 * test scripts (by default, Tiki's documented success bodies).
 */

export type Route =
  | 'token'
  | 'refresh'
  | 'me'
  | 'graphql'
  | 'profile'
  | 'createOrder'
  | 'getOrder'
  | 'listOrders'
  | 'completeOrder'
  | 'cancelOrder';

export interface ReceivedRequest {
  route: Route | 'unknown';
  method: string;
  path: string;
  /** The path and query as requested: what a signed GET signs. */
  pathAndQuery: string;
  headers: IncomingMessage['headers'];
  rawBody: Buffer;
  /** The signature check of this request (REST headers or GraphQL input); null for the Open API. */
  verdict: Verdict | null;
  /** For GraphQL: the operation's field and its input, parsed and validated with graphql-js. */
  graphql: { field: string; input: Record<string, string | number> } | null;
}

export type Reply =
  | { status?: number; json: unknown }
  | { status?: number; text: string; contentType?: string }
  | { hang: true }
  | { destroy: true };

export type Handler = (request: ReceivedRequest, attempt: number) => Reply;

const ROUTES: Record<string, Route> = {
  [`POST /tiniapp-open-api${TIKI_PATHS.token}`]: 'token',
  [`POST /tiniapp-open-api${TIKI_PATHS.refresh}`]: 'refresh',
  [`POST /tiniapp-open-api${TIKI_PATHS.me}`]: 'me',
  'POST /tiniapp/api/graphql/query': 'graphql',
  [`GET ${TIKI_PATHS.profile}`]: 'profile',
  [`POST /tiniapp-open-api${TIKI_PAYMENT_PATHS.createOrder}`]: 'createOrder',
  [`GET /tiniapp-open-api${TIKI_PAYMENT_PATHS.getOrder}`]: 'getOrder',
  [`GET /tiniapp-open-api${TIKI_PAYMENT_PATHS.listOrders}`]: 'listOrders',
  [`POST /tiniapp-open-api${TIKI_PAYMENT_PATHS.completeOrder}`]: 'completeOrder',
  [`POST /tiniapp-open-api${TIKI_PAYMENT_PATHS.cancelOrder}`]: 'cancelOrder',
};

/** An order as Tiki's docs show one, with an id above 2^53. */
export const SAMPLE_ORDER = {
  id: '141857488587784201',
  status: 'draft',
  grand_total: 150000,
  tiki_order_id: '',
  tiki_order_code: '',
  extra: '',
  reference_id: 'ord_1',
};

export const envelope = (data: unknown) => ({ data, error: null });
export const tikiError = (reason: string, message: string, code = 400) => ({
  data: null,
  error: { code, reason, message },
});

const INVALID_SIGNATURE = tikiError(TIKI_ERROR_REASONS.invalidSignature, 'invalid signature');

function defaultHandlers(): Record<Route, Handler> {
  return {
    token: () => ({
      json: envelope({
        access_token: 'at-1',
        refresh_token: 'rt-1',
        expires_in: 3600,
        scopes: ['user_profile', 'offline'],
        token_type: 'bearer',
        customer: { id: 1, name: 'Ti Ni' },
      }),
    }),
    refresh: () => ({
      json: envelope({
        access_token: 'at-2',
        refresh_token: 'rt-2',
        expires_in: 3600,
        scopes: ['offline'],
        token_type: 'bearer',
      }),
    }),
    me: () => ({
      json: envelope({ customer_id: 1, customer_name: 'Ti Ni', scopes: ['user_profile', 'offline'] }),
    }),
    graphql: (request) => ({
      json: {
        data: {
          [request.graphql?.field ?? 'unknown']: {
            access_token: 'gql-at',
            refresh_token: 'gql-rt',
            expires_in: 3600,
            scopes: ['user_profile', 'offline'],
          },
        },
      },
    }),
    profile: () => ({ json: { id: 1, name: 'Ti Ni', email: 'tini@example.com', tier: 'gold' } }),
    createOrder: () => ({ json: envelope({ order: SAMPLE_ORDER }) }),
    getOrder: () => ({ json: envelope({ order: SAMPLE_ORDER }) }),
    listOrders: () => ({ json: envelope({ orders: [SAMPLE_ORDER] }) }),
    completeOrder: () => ({ json: envelope({ order: { ...SAMPLE_ORDER, status: 'completed' } }) }),
    cancelOrder: () => ({ json: envelope({ order: { ...SAMPLE_ORDER, status: 'canceled' } }) }),
  };
}

export interface FakeTiki {
  readonly baseUrls: { restBaseUrl: string; graphqlUrl: string; openApiBaseUrl: string };
  readonly requests: ReceivedRequest[];
  on(route: Route, handler: Handler): void;
  count(route: Route): number;
  close(): Promise<void>;
}

export async function startFakeTiki(o: {
  clientId: string;
  clientSecret: string;
  clock: Clock;
}): Promise<FakeTiki> {
  const handlers = defaultHandlers();
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<ServerResponse>();

  const server = createServer(async (req, res) => {
    const rawBody = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    const route = ROUTES[`${req.method} ${url.pathname}`] ?? 'unknown';
    const received = inspect(o, {
      route,
      method: req.method ?? '',
      path: url.pathname,
      pathAndQuery: `${url.pathname.replace(/^\/tiniapp-open-api/, '')}${url.search}`,
      headers: req.headers,
      rawBody,
    });
    requests.push(received);
    if (route === 'unknown') return send(res, { status: 404, text: 'not found', contentType: 'text/plain' });
    if (received.verdict && !received.verdict.ok) {
      return send(
        res,
        route === 'graphql'
          ? graphqlError(INVALID_SIGNATURE.error)
          : { status: 400, json: INVALID_SIGNATURE },
      );
    }
    const attempt = requests.filter((r) => r.route === route).length;
    const reply = handlers[route](received, attempt);
    if ('hang' in reply) return void hanging.add(res);
    if ('destroy' in reply) return void req.socket.destroy();
    send(res, reply);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrls: {
      restBaseUrl: `${origin}/tiniapp-open-api`,
      graphqlUrl: `${origin}/tiniapp/api/graphql/query`,
      openApiBaseUrl: origin,
    },
    requests,
    on: (route, handler) => {
      handlers[route] = handler;
    },
    count: (route) => requests.filter((r) => r.route === route).length,
    close: async () => {
      for (const res of hanging) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function graphqlError(
  error: { code?: number; reason?: string; message: string },
  status = 200,
): { status: number; json: unknown } {
  const { message, ...extensions } = error;
  return { status, json: { data: null, errors: [{ message, extensions }] } };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Exclude<Reply, { hang: true } | { destroy: true }>): void {
  const body = 'json' in reply ? JSON.stringify(reply.json) : reply.text;
  const contentType = 'json' in reply ? 'application/json' : (reply.contentType ?? 'text/html');
  res.writeHead(reply.status ?? 200, { 'content-type': contentType }).end(body);
}

function inspect(
  o: { clientId: string; clientSecret: string; clock: Clock },
  r: Pick<ReceivedRequest, 'route' | 'method' | 'path' | 'pathAndQuery' | 'headers' | 'rawBody'>,
): ReceivedRequest {
  if (r.route === 'graphql') {
    let graphql: ReturnType<typeof parseGraphqlInput>;
    try {
      graphql = parseGraphqlInput(r.rawBody);
    } catch (error) {
      return {
        ...r,
        verdict: mismatch(`unreadable GraphQL request: ${(error as Error).message}`),
        graphql: null,
      };
    }
    const { signature, ...fields } = graphql.input;
    const verdict = verifyGraphqlInput({
      clientSecret: o.clientSecret,
      fields,
      signature: typeof signature === 'string' ? signature : undefined,
      now: o.clock.now(),
    });
    return {
      ...r,
      verdict: fields.client_id === o.clientId ? verdict : mismatch('unknown client_id'),
      graphql,
    };
  }
  if (r.route === 'profile' || r.route === 'unknown') return { ...r, verdict: null, graphql: null };
  const header = (name: string) => {
    const value = r.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  const verdict = verifySignature({
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    timestamp: header(TIKI_HEADERS.timestamp),
    signature: header(TIKI_HEADERS.signature),
    // A GET signs its path and query (without the base URL), a POST its body.
    content: r.method === 'GET' ? r.pathAndQuery : r.rawBody,
    now: o.clock.now(),
  });
  const sameClient = header(TIKI_HEADERS.clientId) === o.clientId;
  return { ...r, verdict: sameClient ? verdict : mismatch('unknown client id'), graphql: null };
}

const tikiGraphqlSchema = buildSchema(TIKI_GRAPHQL_SDL);

function mismatch(message: string): Verdict {
  return { ok: false, reason: 'signature_mismatch', message };
}

/** Parses the POSTed document and validates it against Tiki's schema: the client must send real GraphQL. */
function parseGraphqlInput(rawBody: Buffer): { field: string; input: Record<string, string | number> } {
  const { query } = JSON.parse(rawBody.toString('utf8')) as { query: string };
  const document = parse(query);
  const errors = validate(tikiGraphqlSchema, document);
  if (errors.length > 0)
    throw new Error(`invalid GraphQL document: ${errors.map((e) => e.message).join('; ')}`);
  const operation = document.definitions[0];
  if (operation?.kind !== Kind.OPERATION_DEFINITION) throw new Error('no operation');
  const selection = operation.selectionSet.selections[0] as FieldNode;
  const queryType = tikiGraphqlSchema.getQueryType();
  const argument = queryType?.getFields()[selection.name.value]?.args.find((a) => a.name === 'input');
  const node = selection.arguments?.find((a) => a.name.value === 'input');
  if (!argument || !node) throw new Error('no input argument');
  const input = valueFromAST(node.value, argument.type as GraphQLInputType) as Record<
    string,
    string | number
  >;
  return { field: selection.name.value, input };
}
