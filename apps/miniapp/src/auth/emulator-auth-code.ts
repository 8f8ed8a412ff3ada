/**
 * DEVELOPMENT BUILD ONLY (imported behind `__DEV__`; the production build contains none of this).
 * Without a Tini Console app, `my.getAuthCode` in Tini Studio yields no usable code; the local emulator's
 * consent endpoint plays the consent screen instead, so the whole flow runs with nothing but `pnpm dev`.
 */
import { DEV_CLIENT_ID, DEV_EMULATOR_ORIGIN } from '@tini-starter/tiki-platform/dev';
import * as z from 'zod/mini';
import type { AuthCodeResult } from '../platform/auth-code.ts';
import { AuthCodeError, ConsentCancelledError } from '../platform/auth-code.ts';
import { request } from '../platform/request.ts';
import { HttpStatusError } from '../platform/request-errors.ts';

/** The emulator's refusal envelope: `user_cancelled` when its page chose a cancel, else why it refused. */
const RefusalSchema = z.object({ error: z.object({ reason: z.string(), message: z.string() }) });

const ConsentAnswerSchema = z.object({
  authCode: z.string(),
  authSuccessScopes: z.array(z.string()),
  authErrorScopes: z.record(z.string(), z.string()),
});

export async function requestEmulatorAuthCode(scopes: readonly string[]): Promise<AuthCodeResult> {
  const origin = __EMULATOR_ORIGIN__ || DEV_EMULATOR_ORIGIN;
  let body: unknown;
  try {
    ({ body } = await request({
      url: `${origin}/__emulator/auth-codes`,
      method: 'POST',
      body: { clientId: __DEV_CLIENT_ID__ || DEV_CLIENT_ID, scopes: [...scopes] },
    }));
  } catch (error) {
    const refusal = error instanceof HttpStatusError ? z.safeParse(RefusalSchema, error.body) : null;
    if (refusal?.success === true) {
      const { reason, message } = refusal.data.error;
      if (reason === 'user_cancelled')
        throw new ConsentCancelledError(`The consent was cancelled: ${message}`);
      throw new AuthCodeError(`The emulator at ${origin} refused the consent (${reason}: ${message})`);
    }
    throw new AuthCodeError(
      `my.getAuthCode gave no code and the emulator at ${origin} did not answer ` +
        `(${error instanceof Error ? error.message : String(error)}). Start it with pnpm dev.`,
    );
  }
  const parsed = z.safeParse(ConsentAnswerSchema, body);
  if (!parsed.success)
    throw new AuthCodeError(`The emulator at ${origin} answered an unexpected consent body`);
  return {
    authCode: parsed.data.authCode,
    grantedScopes: parsed.data.authSuccessScopes,
    scopeErrors: parsed.data.authErrorScopes,
  };
}
