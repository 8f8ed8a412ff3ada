import * as z from 'zod';

/**
 * What the next consent answers, chosen on the emulator's page (or with POST /__emulator/consent): which
 * customer signs in, which scopes the user refuses ("2"), which the app may not request this time ("1"), or that
 * the user closes the sheet. The development mini app's consent fallback (POST /__emulator/auth-codes) takes it
 * once; the consent after it is the default again, so a forgotten choice cannot haunt later sign-ins.
 *
 * Assumption: Tiki documents no error for a cancelled consent. The emulator answers a cancel with the reason
 * `user_cancelled` (HTTP 409), and the mini app words it as a cancel; on Tiki the host's `fail` callback carries
 * an undocumented code, which the mini app can only word as a failed consent.
 */

const scopeList = z.array(z.string().min(1).max(100)).max(50);

export const ConsentPlanSchema = z.strictObject({
  customerId: z.number().int().positive().optional(),
  refuse: scopeList.default([]),
  notAllowed: scopeList.default([]),
  cancel: z.boolean().default(false),
});
export type ConsentPlan = z.output<typeof ConsentPlanSchema>;

export interface ConsentPlanBoard {
  /** The plan the next consent takes, or null for the default consent. */
  pending(): ConsentPlan | null;
  set(plan: ConsentPlan): void;
  clear(): void;
}

export function createConsentPlanBoard(): ConsentPlanBoard {
  let plan: ConsentPlan | null = null;
  return {
    pending: () => plan,
    set(next) {
      plan = { ...next, refuse: [...new Set(next.refuse)], notAllowed: [...new Set(next.notAllowed)] };
    },
    clear() {
      plan = null;
    },
  };
}

/** One line for the page and the log: what the next consent will answer. */
export function describeConsentPlan(plan: ConsentPlan): string {
  if (plan.cancel) return 'the user cancels the consent';
  const parts = [
    `${plan.customerId === undefined ? 'the default customer' : `customer ${plan.customerId}`} consents`,
  ];
  if (plan.refuse.length > 0) parts.push(`refusing ${plan.refuse.join(', ')} ("2")`);
  if (plan.notAllowed.length > 0) parts.push(`with ${plan.notAllowed.join(', ')} not allowed ("1")`);
  return parts.join(', ');
}
