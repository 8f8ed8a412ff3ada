import { DEV_CLIENT_ID, DEV_CLIENT_SECRET } from '@tini-starter/tiki-platform/dev';
import { KNOWN_TIKI_SCOPES } from '@tini-starter/tiki-platform/scopes';
import type { Seller } from './orders.ts';
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
  return {
    ...credentials,
    allowedScopes: [...allowedScopes],
    name: 'Tini starter (development)',
    sellerId: DEVELOPMENT_SELLER_ID,
  };
}

/** The seller the development app is linked to (Tini Console > Payment), for `POST /order/multi-sku`. */
export const DEVELOPMENT_SELLER_ID = 1;

/** Two sellers: the development app's, and another whose SKU the app may not sell (INVALID_ITEM). */
export const DEFAULT_SELLERS: readonly Seller[] = [
  {
    id: DEVELOPMENT_SELLER_ID,
    skus: [
      { sku: '2601001', name: 'Sổ tay Tini', price: 45_000 },
      { sku: '2601002', name: 'Bút bi Tiki', price: 12_000 },
    ],
  },
  { id: 2, skus: [{ sku: '2602001', name: 'Áo thun Tiki', price: 150_000 }] },
];

/** Customer 1 is Tiki's documentation customer; the others test diacritics all the way to the mini app. */
export const DEFAULT_CUSTOMERS: readonly EmulatorCustomer[] = [
  { id: 1, name: 'Ti Ni', email: 'tini@example.com', phone_number: '0901000001' },
  { id: 2, name: 'Nguyễn Thị Minh Khai', email: 'minhkhai@example.com', phone_number: '0901000002' },
  { id: 3, name: 'Trần Hưng Đạo', email: 'hungdao@example.com', phone_number: '0901000003' },
  { id: 4, name: 'Lê Thị Hồng Gấm', email: 'hongam@example.com' },
  { id: 5, name: 'Phạm Ngũ Lão' },
];
