import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ROUTES } from '@tini-starter/api-contract/auth';
import {
  DEV_CLIENT_ID,
  DEV_CLIENT_SECRET,
  DEV_EMULATOR_PORT,
  developmentOrigins,
} from '@tini-starter/tiki-platform/dev';
import * as z from 'zod';

/** `a, b,,c` -> ['a', 'b', 'c']. */
const commaList = z.string().transform((list) =>
  list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== ''),
);

/** The only place that reads process.env: main.ts passes it in. */
const EnvSchema = z.object({
  TIKI_EMULATOR_PORT: z.coerce.number().int().min(0).max(65_535).default(DEV_EMULATOR_PORT),
  TIKI_EMULATOR_HOST: z.string().min(1).default('127.0.0.1'),
  TIKI_CLIENT_ID: z.string().min(1).default(DEV_CLIENT_ID),
  TIKI_CLIENT_SECRET: z.string().min(1).default(DEV_CLIENT_SECRET),
  /** The scopes the development app may request, comma-separated (Tini Console's list). Default: every known one. */
  TIKI_EMULATOR_ALLOWED_SCOPES: commaList.optional(),
  /** Comma-separated extra host names the emulator answers to, beyond 127.0.0.1, localhost and [::1]. */
  TIKI_EMULATOR_ALLOWED_HOSTS: commaList.optional(),
  TIKI_EMULATOR_SIGNATURE_WINDOW_MS: z.coerce.number().int().positive().max(3_600_000).optional(),
  /**
   * Tini Console's IPN Callback URL for the development app: where payment notifications go. Default: the
   * development server's IPN route (HOST, PORT); `none` sends none (as an app with no IPN URL set in Console).
   */
  TIKI_EMULATOR_IPN_URL: z.union([z.literal('none'), z.url({ protocol: /^https?$/ })]).optional(),
});

export type EmulatorEnv = z.infer<typeof EnvSchema>;

/** Where the development app's IPNs go (null: nowhere), from TIKI_EMULATOR_IPN_URL or HOST and PORT. */
export function ipnUrlOf(env: EmulatorEnv, raw: Readonly<Record<string, string | undefined>>): string | null {
  if (env.TIKI_EMULATOR_IPN_URL === 'none') return null;
  return env.TIKI_EMULATOR_IPN_URL ?? `${developmentOrigins(raw).serverOrigin}${ROUTES.tikiIpn.path}`;
}

export function loadEnv(env: Record<string, string | undefined>): EmulatorEnv {
  const withoutBlanks = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = EnvSchema.safeParse(withoutBlanks);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  throw new Error(`tiki-emulator: invalid environment (${problems})`);
}

/** The root .env all three apps share, if there is one; a variable already in the environment wins. */
export function loadRootEnvFile(): void {
  const rootEnv = fileURLToPath(new URL('../../../.env', import.meta.url));
  if (existsSync(rootEnv)) process.loadEnvFile(rootEnv);
}
