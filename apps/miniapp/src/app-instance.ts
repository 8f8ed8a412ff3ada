import type { Account } from './account/account.ts';
import type { Shop } from './shop/shop.ts';

/** What `getApp()` returns: pages reach shared state through it, never through module singletons. */
export interface MiniApp {
  account: Account;
  shop: Shop;
}
