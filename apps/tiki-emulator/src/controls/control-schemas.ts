import * as z from 'zod';
import { FaultSchema } from './faults.ts';

/** Bodies of the `/__emulator/` controls. Field names are camelCase, as the mini app's callbacks are. */

export const FaultsRequestSchema = z.union([FaultSchema, z.array(FaultSchema).min(1)]);

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

/** What the user does on Tiki's payment screen (or Console's sandbox Success/Fail switch decides). */
export const PayRequestSchema = z.strictObject({
  outcome: z.enum(['success', 'cancel', 'abandon', 'cod']),
  /** What the app passed to my.makePayment: 'cod' asks for cash on delivery. */
  paymentMethod: z.string().min(1).max(32).optional(),
});

export const DuplicateRequestSchema = z.strictObject({
  copies: z.number().int().min(2).max(20).default(2),
});
