import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  GET_VECTOR,
  GRAPHQL_VECTOR,
  POST_VECTOR,
  VECTOR_CREDENTIALS,
  VECTOR_TIMESTAMP,
} from '../testing/vectors.ts';
import { buildPayload, encodePayload } from './payload.ts';
import {
  canonicalPathAndQuery,
  explain,
  explainGraphqlInput,
  signBody,
  signGet,
  signGraphqlInput,
} from './sign.ts';

const signed = { ...VECTOR_CREDENTIALS, timestamp: VECTOR_TIMESTAMP };

describe("Tiki's known-answer vectors", () => {
  it('a POST body {"id":123} gives the documented payload, encoded payload and signature', () => {
    expect(explain({ ...signed, content: POST_VECTOR.body })).toEqual({
      payload: POST_VECTOR.payload,
      encodedPayload: POST_VECTOR.encodedPayload,
      signature: POST_VECTOR.signature,
    });
    expect(signBody({ ...signed, body: POST_VECTOR.body })).toBe(POST_VECTOR.signature);
    expect(buildPayload(VECTOR_TIMESTAMP, VECTOR_CREDENTIALS.clientId, POST_VECTOR.body)).toBe(
      POST_VECTOR.payload,
    );
    expect(encodePayload(POST_VECTOR.payload)).toBe(POST_VECTOR.encodedPayload);
    expect(encodePayload(new TextEncoder().encode(POST_VECTOR.payload))).toBe(POST_VECTOR.encodedPayload);
  });

  it('a numeric timestamp signs the same as its decimal string', () => {
    expect(signBody({ ...signed, timestamp: Number(VECTOR_TIMESTAMP), body: POST_VECTOR.body })).toBe(
      POST_VECTOR.signature,
    );
  });

  it('a GET of /order?location=Hà Nội&order_id=… encodes the query as encodeURIComponent and matches', () => {
    const pathAndQuery = canonicalPathAndQuery(GET_VECTOR.path, GET_VECTOR.query);
    expect(pathAndQuery).toBe(GET_VECTOR.pathAndQuery);
    expect(signGet({ ...signed, pathAndQuery })).toBe(GET_VECTOR.signature);
  });

  it('the GraphQL input signs the JSON of its fields with keys sorted, whatever order they come in', () => {
    const { timestamp, code, client_id } = GRAPHQL_VECTOR.fields;
    const fields = { timestamp, code, client_id };
    expect(signGraphqlInput({ clientSecret: VECTOR_CREDENTIALS.clientSecret, fields })).toBe(
      GRAPHQL_VECTOR.signature,
    );
    expect(explainGraphqlInput({ clientSecret: VECTOR_CREDENTIALS.clientSecret, fields }).payload).toBe(
      JSON.stringify(GRAPHQL_VECTOR.fields),
    );
  });

  it('a signature field in the GraphQL input is never part of what is signed', () => {
    const fields = { ...GRAPHQL_VECTOR.fields, signature: 'whatever' };
    expect(signGraphqlInput({ clientSecret: VECTOR_CREDENTIALS.clientSecret, fields })).toBe(
      GRAPHQL_VECTOR.signature,
    );
  });
});

describe('negative vectors: the common mistakes do not produce the documented signatures', () => {
  it('an HMAC over the un-encoded payload differs', () => {
    const raw = createHmac('sha256', VECTOR_CREDENTIALS.clientSecret)
      .update(POST_VECTOR.payload)
      .digest('hex');
    expect(raw).not.toBe(POST_VECTOR.signature);
  });

  it('"+" for spaces in the GET query differs', () => {
    const plus = GET_VECTOR.pathAndQuery.replace('%20', '+');
    expect(signGet({ ...signed, pathAndQuery: plus })).not.toBe(GET_VECTOR.signature);
    expect(new URLSearchParams(GET_VECTOR.query).toString()).toContain('+');
  });

  it('a JSON body with a space after the colon (Python json.dumps) differs', () => {
    expect(signBody({ ...signed, body: '{"id": 123}' })).not.toBe(POST_VECTOR.signature);
  });
});

describe('canonicalPathAndQuery', () => {
  it('keeps the order given, encodes keys too, and stringifies numbers and booleans', () => {
    expect(canonicalPathAndQuery('/a', { z: 1, 'a b': true, q: 'x&y=z' })).toBe(
      '/a?z=1&a%20b=true&q=x%26y%3Dz',
    );
  });

  it('returns the bare path without a query, or with an empty one', () => {
    expect(canonicalPathAndQuery('/oauth/me')).toBe('/oauth/me');
    expect(canonicalPathAndQuery('/oauth/me', {})).toBe('/oauth/me');
  });

  it('appends to a query already on the path', () => {
    expect(canonicalPathAndQuery('/a?x=1', { y: 2 })).toBe('/a?x=1&y=2');
  });

  it('refuses a base URL or a relative path', () => {
    expect(() => canonicalPathAndQuery('https://api.tiki.vn/order')).toThrow(RangeError);
    expect(() => canonicalPathAndQuery('order')).toThrow(/must start with "\/"/);
  });
});

describe('misuse is a TypeError with the package prefix; an unusable timestamp a RangeError', () => {
  it.each([
    ['an object as the body', () => signBody({ ...signed, body: { id: 123 } as unknown as string })],
    [
      'a missing client id',
      () => signBody({ ...signed, clientId: undefined as unknown as string, body: '{}' }),
    ],
    ['an empty secret', () => signBody({ ...signed, clientSecret: '', body: '{}' })],
    ['an object as timestamp', () => signBody({ ...signed, timestamp: {} as unknown as string, body: '{}' })],
    ['a number as path', () => canonicalPathAndQuery(1 as unknown as string)],
    ['a nested query value', () => canonicalPathAndQuery('/a', { x: {} as unknown as string })],
    ['an array as query', () => canonicalPathAndQuery('/a', [] as unknown as Record<string, string>)],
    ['null as the input', () => signGet(null as unknown as Parameters<typeof signGet>[0])],
    ['an object as pathAndQuery', () => signGet({ ...signed, pathAndQuery: {} as unknown as string })],
    [
      'an object among GraphQL fields',
      () => signGraphqlInput({ clientSecret: 's', fields: { code: {} as unknown as string } }),
    ],
  ])('%s', (_name, call) => {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(/^tiki-platform: /);
  });

  it.each([
    ['seconds', '1620621619', /looks like seconds/],
    ['microseconds', '1620621619569000', /looks like microseconds/],
    ['a fraction', '1620621619569.5', /fractional/],
    ['a negative number', '-1620621619569', /negative/],
    ['text', 'yesterday', /not a decimal integer/],
  ])('signing with %s as timestamp is refused', (_name, timestamp, message) => {
    expect(() => signBody({ ...signed, timestamp, body: '{}' })).toThrow(RangeError);
    expect(() => signBody({ ...signed, timestamp, body: '{}' })).toThrow(message);
  });

  it('a GraphQL timestamp in seconds is refused too', () => {
    const fields = { ...GRAPHQL_VECTOR.fields, timestamp: 1620901354 };
    expect(() => signGraphqlInput({ clientSecret: 's', fields })).toThrow(/looks like seconds/);
  });
});
