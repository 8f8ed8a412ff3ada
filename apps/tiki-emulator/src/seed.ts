import { DEV_CLIENT_ID, DEV_CLIENT_SECRET } from '@tini-starter/tiki-platform/dev';
import { KNOWN_TIKI_SCOPES } from '@tini-starter/tiki-platform/scopes';
import type { EmulatorApp, EmulatorCustomer, Lifetimes } from './state.ts';

export const DEFAULT_LIFETIMES: Lifetimes = {
  authCodeMs: 60_000,
  accessTokenMs: 3_600_000,
  refreshTokenMs: 30 * 24 * 3_600_000,
};

/** What the development app may ask for: every scope the starter knows. */
export const DEFAULT_ALLOWED_SCOPES: string[] = [...KNOWN_TIKI_SCOPES];

export function developmentApp(
  credentials: { clientId: string; clientSecret: string } = {
    clientId: DEV_CLIENT_ID,
    clientSecret: DEV_CLIENT_SECRET,
  },
  allowedScopes: readonly string[] = DEFAULT_ALLOWED_SCOPES,
): EmulatorApp {
  return { ...credentials, allowedScopes: [...allowedScopes], name: 'Tini starter (development)' };
}

/** Customer 1 is Tiki's documentation customer; the others test diacritics all the way to the mini app. */
export const DEFAULT_CUSTOMERS: readonly EmulatorCustomer[] = [
  { id: 1, name: 'Ti Ni', email: 'tini@example.com', phone_number: '0901000001' },
  { id: 2, name: 'Nguyễn Thị Minh Khai', email: 'minhkhai@example.com', phone_number: '0901000002' },
  { id: 3, name: 'Trần Hưng Đạo', email: 'hungdao@example.com', phone_number: '0901000003' },
  { id: 4, name: 'Lê Thị Hồng Gấm', email: 'hongam@example.com' },
  { id: 5, name: 'Phạm Ngũ Lão' },
];
