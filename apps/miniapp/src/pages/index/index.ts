import type { AccountView, ErrorView } from '../../account/view.ts';
import type { MiniApp } from '../../app-instance.ts';

/** 'working': a sign-in, a load or a sign-out is under way; 'failed': signed in, but the load failed. */
type Phase = 'starting' | 'signed_out' | 'working' | 'signed_in' | 'failed';

interface IndexData {
  phase: Phase;
  loadingText: string;
  account: AccountView | null;
  /** First letter of the name, for the avatar. */
  initial: string;
  error: ErrorView | null;
}

interface IndexMethods {
  onSignInTap(): Promise<void>;
  onReloadTap(): Promise<void>;
  onErrorActionTap(): Promise<void>;
  onSignOutTap(): Promise<void>;
  onShopTap(): void;
  onOrdersTap(): void;
  load(): Promise<void>;
  show(view: AccountView): void;
  fail(error: unknown, during: 'sign_in' | 'load'): void;
}

const LOADING_TEXT = {
  starting: 'Đang kiểm tra phiên đăng nhập…',
  signingIn: 'Đang đăng nhập với Tiki…',
  loading: 'Đang tải hồ sơ…',
  signingOut: 'Đang đăng xuất…',
};

function account() {
  return getApp<MiniApp>().account;
}

Page<IndexData, IndexMethods>({
  data: {
    phase: 'starting',
    loadingText: LOADING_TEXT.starting,
    account: null,
    initial: '',
    error: null,
  },

  async onLoad() {
    if (await account().hasSession()) await this.load();
    else this.setData({ phase: 'signed_out' });
  },

  async onSignInTap() {
    // A second tap while the first sign-in runs does nothing (the Account also shares one sign-in).
    if (this.data.phase === 'working') return;
    this.setData({ phase: 'working', loadingText: LOADING_TEXT.signingIn, error: null });
    try {
      await account().signIn();
    } catch (error) {
      this.fail(error, 'sign_in');
      return;
    }
    await this.load();
  },

  async onReloadTap() {
    if (this.data.phase === 'working') return;
    await this.load();
  },

  async onErrorActionTap() {
    const action = this.data.error?.action;
    if (action === 'sign_in') await this.onSignInTap();
    else if (action === 'reload') await this.onReloadTap();
  },

  async onSignOutTap() {
    if (this.data.phase === 'working') return;
    this.setData({ phase: 'working', loadingText: LOADING_TEXT.signingOut, error: null });
    await account().signOut();
    this.setData({ phase: 'signed_out', account: null, initial: '' });
    my.showToast({ type: 'success', content: 'Đã đăng xuất' });
  },

  onShopTap() {
    my.navigateTo({ url: '/pages/shop/index' });
  },

  onOrdersTap() {
    my.navigateTo({ url: '/pages/orders/index' });
  },

  async load() {
    this.setData({ phase: 'working', loadingText: LOADING_TEXT.loading, error: null });
    try {
      this.show(await account().load());
    } catch (error) {
      this.fail(error, 'load');
    }
  },

  show(view) {
    this.setData({ phase: 'signed_in', account: view, initial: view.name.trim().charAt(0).toUpperCase() });
  },

  fail(error, during) {
    const view = account().explain(error, during);
    if (during === 'sign_in' || view.action === 'sign_in') {
      this.setData({ phase: 'signed_out', account: null, initial: '', error: view });
    } else {
      this.setData({ phase: 'failed', error: view });
    }
  },
});
