import * as z from 'zod';

/** Bodies of the `/__emulator/` controls. Field names are camelCase, as the mini app's callbacks are. */

const routes = ['token', 'refresh', 'me', 'graphql', 'profile', '*'] as const;
const times = z.number().int().positive().optional();

export const FaultSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    route: z.enum(routes),
    kind: z.literal('latency'),
    ms: z.number().int().min(0).max(600_000),
    times,
  }),
  z.strictObject({
    route: z.enum(routes),
    kind: z.literal('status'),
    status: z.number().int().min(400).max(599),
    times,
  }),
  z.strictObject({ route: z.enum(routes), kind: z.literal('drop_connection'), times }),
  z.strictObject({ route: z.enum(routes), kind: z.literal('drop_response_after_commit'), times }),
]);

export const FaultsRequestSchema = z.union([FaultSchema, z.array(FaultSchema).min(1)]);

export const FaultRouteSchema = z.enum(routes);

const scopeList = z.array(z.string().min(1).max(100)).max(50);

export const AuthCodeRequestSchema = z.strictObject({
  clientId: z.string().min(1),
  customerId: z.number().int().positive().optional(),
  /** my.getAuthCode takes a string or an array. */
  scopes: z
    .union([
      z
        .string()
        .min(1)
        .transform((scope) => [scope]),
      scopeList,
    ])
    .optional(),
  deny: scopeList.optional(),
});

export const ClockRequestSchema = z.union([
  z.strictObject({ advanceMs: z.number().int() }),
  z.strictObject({ nowMs: z.number().int().positive() }),
]);

export const RevocationRequestSchema = z.strictObject({
  clientId: z.string().min(1).optional(),
  customerId: z.number().int().positive().optional(),
});

export const CustomerRequestSchema = z.strictObject({
  id: z.number().int().positive(),
  name: z.string().min(1).max(200),
  email: z.string().min(3).max(200).optional(),
  phone_number: z.string().min(3).max(30).optional(),
});
