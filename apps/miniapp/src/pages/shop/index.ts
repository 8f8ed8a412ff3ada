import type { Order, Product } from '@tini-starter/api-contract/payments';
import type { ErrorView } from '../../account/view.ts';
import type { MiniApp } from '../../app-instance.ts';
import { cancelReasonLabel, formatVnd, orderStateLabel } from '../../shop/labels.ts';
import { PaymentPendingError } from '../../shop/payment-outcome.ts';
import { type CheckoutStep, newCheckoutKey } from '../../shop/shop.ts';

/** 'working': the catalogue loads, or a checkout runs; 'done': the checkout has its outcome. */
type Phase = 'loading' | 'browsing' | 'working' | 'done' | 'failed';

interface ProductRow {
  id: string;
  name: string;
  priceText: string;
  quantity: number;
}

interface ResultView {
  kind: 'paid' | 'canceled';
  title: string;
  message: string;
  orderId: string;
  totalText: string;
  statusText: string;
}

interface ShopData {
  phase: Phase;
  loadingText: string;
  products: ProductRow[];
  totalText: string;
  canCheckout: boolean;
  result: ResultView | null;
  error: ErrorView | null;
}

interface TapEvent {
  currentTarget: { dataset: { id?: string } };
}

interface ShopMethods {
  /** The key of the checkout under way: a retry of the same cart reuses it, so it never makes a second order. */
  checkoutKey: string | null;
  /** The order whose payment is pending, for "Tải lại". */
  pendingOrderId: string | null;
  catalogue: Product[];
  onIncreaseTap(event: TapEvent): void;
  onDecreaseTap(event: TapEvent): void;
  onCheckoutTap(): Promise<void>;
  onErrorActionTap(): Promise<void>;
  onContinueTap(): void;
  onOrdersTap(): void;
  loadProducts(): Promise<void>;
  setQuantity(id: string | undefined, change: number): void;
  showOutcome(order: Order): void;
  fail(error: unknown): void;
}

const STEP_TEXT: Record<CheckoutStep | 'loading', string> = {
  loading: 'Đang tải cửa hàng…',
  creating: 'Đang tạo đơn hàng…',
  paying: 'Đang mở màn hình thanh toán của Tiki…',
  confirming: 'Đang chờ Tiki xác nhận thanh toán…',
};
const MAX_QUANTITY = 99;

function app() {
  return getApp<MiniApp>();
}

function totalOf(rows: readonly ProductRow[], catalogue: readonly Product[]): number {
  return rows.reduce(
    (sum, row) => sum + row.quantity * (catalogue.find((p) => p.id === row.id)?.price ?? 0),
    0,
  );
}

Page<ShopData, ShopMethods>({
  data: {
    phase: 'loading',
    loadingText: STEP_TEXT.loading,
    products: [],
    totalText: formatVnd(0),
    canCheckout: false,
    result: null,
    error: null,
  },
  checkoutKey: null,
  pendingOrderId: null,
  catalogue: [],

  async onLoad() {
    await this.loadProducts();
  },

  async loadProducts() {
    this.setData({ phase: 'working', loadingText: STEP_TEXT.loading, error: null });
    try {
      this.catalogue = await app().shop.products();
    } catch (error) {
      this.fail(error);
      return;
    }
    const products = this.catalogue.map((p) => ({
      id: p.id,
      name: p.name,
      priceText: formatVnd(p.price),
      quantity: 0,
    }));
    this.setData({ phase: 'browsing', products, totalText: formatVnd(0), canCheckout: false });
  },

  onIncreaseTap(event) {
    this.setQuantity(event.currentTarget.dataset.id, +1);
  },

  onDecreaseTap(event) {
    this.setQuantity(event.currentTarget.dataset.id, -1);
  },

  setQuantity(id, change) {
    if (this.data.phase !== 'browsing') return;
    const products = this.data.products.map((row) =>
      row.id === id ? { ...row, quantity: Math.min(MAX_QUANTITY, Math.max(0, row.quantity + change)) } : row,
    );
    // Another cart is another checkout.
    this.checkoutKey = null;
    const total = totalOf(products, this.catalogue);
    this.setData({ products, totalText: formatVnd(total), canCheckout: total > 0, error: null });
  },

  async onCheckoutTap() {
    // A second tap while the checkout runs does nothing: one tap, one order.
    if (this.data.phase !== 'browsing' || !this.data.canCheckout) return;
    const cart = this.data.products
      .filter((row) => row.quantity > 0)
      .map((row) => ({ productId: row.id, quantity: row.quantity }));
    this.checkoutKey ??= newCheckoutKey();
    this.setData({ phase: 'working', loadingText: STEP_TEXT.creating, error: null });
    try {
      const order = await app().shop.checkout(cart, this.checkoutKey, (step) =>
        this.setData({ loadingText: STEP_TEXT[step] }),
      );
      this.showOutcome(order);
    } catch (error) {
      this.fail(error);
    }
  },

  showOutcome(order) {
    const paid = order.status !== 'canceled' && order.cancelReason === null;
    this.checkoutKey = null;
    this.pendingOrderId = null;
    this.setData({
      phase: 'done',
      result: {
        kind: paid ? 'paid' : 'canceled',
        title: paid ? 'Thanh toán thành công' : 'Đơn hàng đã bị hủy',
        message: paid
          ? order.fulfilledAt === null
            ? 'Cảm ơn bạn! Gói xu sẽ được cộng vào tài khoản trong giây lát.'
            : 'Cảm ơn bạn! Gói xu đã được cộng vào tài khoản.'
          : `${order.cancelReason === null ? 'Đơn hàng không được thanh toán.' : cancelReasonLabel(order.cancelReason)} Bạn có thể đặt lại bất cứ lúc nào.`,
        orderId: order.id,
        totalText: formatVnd(order.grandTotal),
        statusText: orderStateLabel(order),
      },
    });
  },

  async onErrorActionTap() {
    const action = this.data.error?.action;
    if (action === 'sign_in') {
      this.setData({ phase: 'working', loadingText: 'Đang đăng nhập với Tiki…', error: null });
      try {
        await app().account.signIn();
      } catch (error) {
        this.fail(error);
        return;
      }
      await this.loadProducts();
      return;
    }
    if (action !== 'reload') return;
    const pending = this.pendingOrderId;
    if (pending === null) {
      if (this.catalogue.length === 0) await this.loadProducts();
      else this.setData({ phase: 'browsing', error: null });
      return;
    }
    this.setData({ phase: 'working', loadingText: STEP_TEXT.confirming, error: null });
    try {
      this.showOutcome(await app().shop.waitForPayment(pending));
    } catch (error) {
      this.fail(error);
    }
  },

  onContinueTap() {
    const products = this.data.products.map((row) => ({ ...row, quantity: 0 }));
    this.setData({ phase: 'browsing', result: null, products, totalText: formatVnd(0), canCheckout: false });
  },

  onOrdersTap() {
    my.navigateTo({ url: '/pages/orders/index' });
  },

  fail(error) {
    if (error instanceof PaymentPendingError) this.pendingOrderId = error.orderId;
    const view = app().account.explain(error, 'load');
    // The cart stays as it was; what failed can be tried again from the alert.
    this.setData({ phase: this.catalogue.length === 0 ? 'failed' : 'browsing', error: view });
  },
});
