import { createAccount } from './account/account.ts';
import { createApiClient } from './api/client.ts';
import type { MiniApp } from './app-instance.ts';
import { createAuth } from './auth/auth.ts';
import { LOGIN_SCOPES } from './auth/scopes.ts';
import { createShop } from './shop/shop.ts';

const api = createApiClient({ baseUrl: __API_BASE_URL__ });
const auth = createAuth({ api, scopes: LOGIN_SCOPES });

App<MiniApp>({
  account: createAccount({ auth, api }),
  shop: createShop({ auth, api }),
  onLaunch() {
    // Start reading the stored session now; the first page awaits the same read.
    void auth.restore();
  },
});
