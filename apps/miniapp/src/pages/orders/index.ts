import type { Order } from '@tini-starter/api-contract/payments';
import type { ErrorView } from '../../account/view.ts';
import type { MiniApp } from '../../app-instance.ts';
import { cancelReasonLabel, formatVietnamTime, formatVnd, orderStateLabel } from '../../shop/labels.ts';

type Phase = 'loading' | 'ready' | 'failed';

interface OrderRow {
  id: string;
  when: string;
  totalText: string;
  statusText: string;
  summary: string;
  /** Why it was canceled (Vietnamese), or '' */
  reasonText: string;
  settled: boolean;
}

interface OrdersData {
  phase: Phase;
  orders: OrderRow[];
  hasMore: boolean;
  loadingMore: boolean;
  error: ErrorView | null;
}

interface OrdersMethods {
  next: string | null;
  onLoadMoreTap(): Promise<void>;
  onErrorActionTap(): Promise<void>;
  onShopTap(): void;
  loadFirst(): Promise<void>;
  fail(error: unknown): void;
}

function app() {
  return getApp<MiniApp>();
}

function row(order: Order): OrderRow {
  return {
    id: order.id,
    when: formatVietnamTime(order.createdAt),
    totalText: formatVnd(order.grandTotal),
    statusText: orderStateLabel(order),
    summary: order.items.map((item) => `${item.quantity} × ${item.name}`).join(', '),
    reasonText: order.cancelReason === null ? '' : cancelReasonLabel(order.cancelReason),
    settled: order.status === 'completed' || order.fulfilledAt !== null,
  };
}

Page<OrdersData, OrdersMethods>({
  data: { phase: 'loading', orders: [], hasMore: false, loadingMore: false, error: null },
  next: null,

  async onLoad() {
    await this.loadFirst();
  },

  async loadFirst() {
    this.setData({ phase: 'loading', error: null });
    try {
      const page = await app().shop.orders();
      this.next = page.next ?? null;
      this.setData({ phase: 'ready', orders: page.orders.map(row), hasMore: this.next !== null });
    } catch (error) {
      this.fail(error);
    }
  },

  async onLoadMoreTap() {
    if (this.next === null || this.data.loadingMore) return;
    this.setData({ loadingMore: true, error: null });
    try {
      const page = await app().shop.orders(this.next);
      this.next = page.next ?? null;
      this.setData({
        orders: [...this.data.orders, ...page.orders.map(row)],
        hasMore: this.next !== null,
        loadingMore: false,
      });
    } catch (error) {
      this.setData({ loadingMore: false });
      this.fail(error);
    }
  },

  async onErrorActionTap() {
    const action = this.data.error?.action;
    if (action === 'sign_in') {
      try {
        await app().account.signIn();
      } catch (error) {
        this.fail(error);
        return;
      }
    }
    if (action === 'sign_in' || action === 'reload') await this.loadFirst();
  },

  onShopTap() {
    my.navigateTo({ url: '/pages/shop/index' });
  },

  fail(error) {
    const view = app().account.explain(error, 'load');
    this.setData({ phase: this.data.orders.length === 0 ? 'failed' : 'ready', error: view });
  },
});
