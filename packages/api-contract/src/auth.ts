// Tiki's scope names are Tiki's fact, written once in the platform package (itself zod/mini, like this file).
import { ScopeSchema } from '@tini-starter/tiki-platform/scopes';
// zod/mini keeps the mini app's bundle small (Tiki's package budget); the server uses the same schemas.
import * as z from 'zod/mini';

export const LoginRequestSchema = z.strictObject({
  authCode: z.string().check(z.minLength(1), z.maxLength(512)),
});
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

export const UserSchema = z.object({
  /** Our own user id (never anything of Tiki's but the public customer id). */
  id: z.string().check(z.minLength(1)),
  tikiCustomerId: z.number().check(z.int()),
  name: z.string(),
});
export type User = z.infer<typeof UserSchema>;

export const LoginResponseSchema = z.object({
  /** Our opaque session token: the only credential the mini app ever holds. */
  token: z.string().check(z.minLength(1)),
  /** ISO 8601 instant of the session's absolute expiry. */
  expiresAt: z.iso.datetime(),
  user: UserSchema,
  scopes: z.array(ScopeSchema),
});
export type LoginResponse = z.infer<typeof LoginResponseSchema>;

export const MeResponseSchema = z.object({
  user: UserSchema,
  scopes: z.array(ScopeSchema),
});
export type MeResponse = z.infer<typeof MeResponseSchema>;

/** Tiki's Open API customer profile: Tiki does not document the body, so unknown fields pass through. */
export const ProfileSchema = z.looseObject({
  id: z.optional(z.number()),
  name: z.optional(z.string()),
  email: z.optional(z.string()),
  phone_number: z.optional(z.string()),
});
export type Profile = z.infer<typeof ProfileSchema>;

export const ProfileResponseSchema = z.object({
  profile: ProfileSchema,
});
export type ProfileResponse = z.infer<typeof ProfileResponseSchema>;

/** The routes, so that both sides spell them once. */
export const ROUTES = {
  login: { method: 'POST', path: '/api/auth/login' },
  logout: { method: 'POST', path: '/api/auth/logout' },
  me: { method: 'GET', path: '/api/me' },
  profile: { method: 'GET', path: '/api/profile' },
  healthz: { method: 'GET', path: '/healthz' },
  readyz: { method: 'GET', path: '/readyz' },
  /** Called by Tiki, not the mini app: payment notifications (IPN), the URL set in Tini Console. */
  tikiIpn: { method: 'POST', path: '/api/tiki/ipn' },
} as const;
