/**
 * The sample catalogue: what the mini app sells, and the only source of prices (a cart carries none). A fork
 * replaces this module (a database table, a CMS, ...) and keeps its two exports. Prices are VND integers.
 * The goods are digital (packs of in-app coins): fulfilment.ts delivers them as soon as Tiki says paid.
 */
import type { Product } from '@tini-starter/api-contract/payments';

export const CATALOGUE: readonly Product[] = [
  { id: 'xu-100', name: 'Gói 100 xu', price: 10_000 },
  { id: 'xu-500', name: 'Gói 500 xu', price: 45_000 },
  { id: 'xu-2000', name: 'Gói 2.000 xu', price: 160_000 },
  { id: 'vip-1-nam', name: 'Thẻ VIP 1 năm', price: 2_500_000 },
];

const BY_ID = new Map(CATALOGUE.map((product) => [product.id, product]));

export function productById(id: string): Product | undefined {
  return BY_ID.get(id);
}
