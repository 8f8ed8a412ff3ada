/**
 * The login page end to end: the built JavaScript of the app and this page, in the test host, against the
 * real server and the real Tiki emulator on ephemeral ports.
 */
import { developmentApp } from '@tini-starter/tiki-emulator/emulator';
import {
  type AuthCodeOutcome,
  type AuthCodeProvider,
  type HostStorage,
  launch,
  type RequestStyle,
} from '@tini-starter/tini-host/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { consentBy, consentInOldSpelling, hostFails, hostGivesNoCode } from '../../testing/auth-codes.ts';
import { startWorld, type World } from '../../testing/world.ts';

const SESSION_KEY = 'tini-starter.session';
const DAY_MS = 24 * 3_600_000;

interface Shown {
  phase: string;
  loadingText: string;
  initial: string;
  account: {
    name: string;
    tikiCustomerId: number;
    scopes: { name: string; label: string }[];
    profile: { key: string; label: string; value: string }[];
    profileNote: string;
  } | null;
  error: { title: string; message: string; action: string; actionLabel: string } | null;
}

function storedToken(storage: HostStorage): string | undefined {
  const text = storage.get(SESSION_KEY);
  return text === undefined ? undefined : (JSON.parse(text) as { token: string }).token;
}

async function start(
  world: World,
  o: {
    authCodes: AuthCodeProvider;
    storage?: HostStorage;
    encryptedStorage?: HostStorage;
    style?: RequestStyle;
  },
) {
  const app = await launch({
    distDir: world.distDir,
    authCodes: o.authCodes,
    ...(o.storage ? { storage: o.storage } : {}),
    ...(o.encryptedStorage ? { encryptedStorage: o.encryptedStorage } : {}),
    ...(o.style ? { requestStyle: o.style } : {}),
  });
  await app.page.idle();
  return { ...app, shown: () => app.page.data() as unknown as Shown };
}

describe('the login page against the real server and emulator', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world.close();
  });
  beforeEach(() => {
    world.emulator.clearRequests();
  });

  it('starts signed out, offering “Đăng nhập với Tiki”, when no session is stored', async () => {
    const app = await start(world, { authCodes: consentBy(world.emulator) });
    expect(app.shown()).toMatchObject({ phase: 'signed_out', account: null, error: null });
    expect(app.log.authCodeCalls).toEqual([]);
    expect(app.log.requests).toEqual([]);
  });

  describe.each<RequestStyle>(['documented', 'success-always', 'bare'])(
    'with a host whose my.request is %s',
    (style) => {
      it('a tap on login shows the emulator customer’s name, Tiki id, granted scopes and Open API profile', async () => {
        const app = await start(world, { authCodes: consentBy(world.emulator, { customerId: 2 }), style });
        await app.page.tap('onSignInTap');

        expect(app.log.authCodeCalls).toEqual([{ scopes: ['user_profile', 'offline'] }]);
        const shown = app.shown();
        expect(shown.phase).toBe('signed_in');
        expect(shown.error).toBeNull();
        expect(shown.initial).toBe('N');
        expect(shown.account).toMatchObject({
          name: 'Nguyễn Thị Minh Khai',
          tikiCustomerId: 2,
          scopes: [
            { name: 'user_profile', label: 'Thông tin hồ sơ' },
            { name: 'offline', label: 'Duy trì đăng nhập' },
          ],
          profileNote: '',
        });
        expect(shown.account?.profile).toEqual(
          expect.arrayContaining([
            { key: 'id', label: 'Mã khách hàng', value: '2' },
            { key: 'name', label: 'Họ tên', value: 'Nguyễn Thị Minh Khai' },
            { key: 'email', label: 'Email', value: 'minhkhai@example.com' },
            { key: 'phone_number', label: 'Số điện thoại', value: '0901000002' },
          ]),
        );
        expect(world.emulator.countOperation('token', 'ok')).toBe(1);

        // The session travels as a bearer token; the auth code only in the login body.
        const token = storedToken(app.storage);
        expect(token).toBeTruthy();
        const reads = app.log.requests.filter((r) => r.method === 'GET');
        expect(reads.map((r) => new URL(r.url).pathname).sort()).toEqual(['/api/me', '/api/profile']);
        for (const read of reads) expect(read.headers.authorization).toBe(`Bearer ${token}`);
        const login = app.log.requests.find((r) => r.url.endsWith('/api/auth/login'));
        expect(login?.headers.authorization).toBeUndefined();
        expect(login?.headers['content-type']).toBe('application/json');
      });

      it('an expired session is renewed by one silent login and the request succeeds', async () => {
        const storage: HostStorage = new Map();
        const first = await start(world, {
          authCodes: consentBy(world.emulator, { customerId: 3 }),
          storage,
          style,
        });
        await first.page.tap('onSignInTap');
        const oldToken = storedToken(storage);
        world.emulator.clearRequests();

        world.clock.advance(8 * DAY_MS); // past the server's 7-day idle timeout
        const next = await start(world, {
          authCodes: consentBy(world.emulator, { customerId: 3 }),
          storage,
          style,
        });

        expect(next.shown()).toMatchObject({
          phase: 'signed_in',
          error: null,
          account: { name: 'Trần Hưng Đạo' },
        });
        // /api/me and /api/profile both failed with `unauthenticated` and shared one login.
        expect(next.log.authCodeCalls).toHaveLength(1);
        expect(world.emulator.countOperation('token', 'ok')).toBe(1);
        expect(storedToken(storage)).not.toBe(oldToken);
        const paths = next.log.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`);
        expect(paths.filter((p) => p === 'POST /api/auth/login')).toHaveLength(1);
        expect(paths.filter((p) => p === 'GET /api/me')).toHaveLength(2);
        expect(paths.filter((p) => p === 'GET /api/profile')).toHaveLength(2);
      });
    },
  );

  it('reuses the stored session on the next launch without asking Tiki again', async () => {
    const storage: HostStorage = new Map();
    const first = await start(world, { authCodes: consentBy(world.emulator, { customerId: 1 }), storage });
    await first.page.tap('onSignInTap');
    world.emulator.clearRequests();

    const next = await start(world, { authCodes: consentBy(world.emulator), storage });
    expect(next.shown()).toMatchObject({ phase: 'signed_in', account: { name: 'Ti Ni', tikiCustomerId: 1 } });
    expect(next.log.authCodeCalls).toEqual([]);
    expect(world.emulator.countOperation('token')).toBe(0);
  });

  it('keeps the session in encrypted storage where my.canIUse says the host has it, never in plain storage', async () => {
    const storage: HostStorage = new Map();
    const encryptedStorage: HostStorage = new Map();
    const host = { storage, encryptedStorage };
    const first = await start(world, { authCodes: consentBy(world.emulator, { customerId: 1 }), ...host });
    await first.page.tap('onSignInTap');
    expect(first.shown()).toMatchObject({ phase: 'signed_in' });
    expect(storage.has(SESSION_KEY)).toBe(false);
    // What the host was given is JSON text of the session (`value`), read back as `data`.
    const kept = JSON.parse(JSON.parse(encryptedStorage.get(SESSION_KEY) as string) as string) as {
      token: string;
    };
    expect(kept.token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const next = await start(world, { authCodes: consentBy(world.emulator), ...host });
    expect(next.shown()).toMatchObject({ phase: 'signed_in', account: { name: 'Ti Ni' } });
    expect(next.log.authCodeCalls).toEqual([]);
    await next.page.tap('onSignOutTap');
    expect(encryptedStorage.has(SESSION_KEY)).toBe(false);
  });

  it('moves a session an older build kept in plain storage into encrypted storage, signed in all along', async () => {
    const storage: HostStorage = new Map();
    const old = await start(world, { authCodes: consentBy(world.emulator, { customerId: 1 }), storage });
    await old.page.tap('onSignInTap');
    const token = storedToken(storage);
    expect(token).toBeDefined();

    const encryptedStorage: HostStorage = new Map();
    const updated = await start(world, { authCodes: consentBy(world.emulator), storage, encryptedStorage });
    expect(updated.shown()).toMatchObject({ phase: 'signed_in', account: { name: 'Ti Ni' } });
    expect(updated.log.authCodeCalls).toEqual([]);
    expect(storage.has(SESSION_KEY)).toBe(false);
    expect(encryptedStorage.get(SESSION_KEY)).toContain(token);
  });

  it('a user who refuses only offline still logs in, without a refresh token', async () => {
    const app = await start(world, {
      authCodes: consentBy(world.emulator, { customerId: 1, deny: ['offline'] }),
    });
    await app.page.tap('onSignInTap');
    expect(app.shown()).toMatchObject({ phase: 'signed_in', error: null, account: { name: 'Ti Ni' } });
    expect(app.shown().account?.scopes.map((scope) => scope.name)).toEqual(['user_profile']);
    expect(world.emulator.countOperation('token', 'ok')).toBe(1);
  });

  it('an expired session whose silent login is refused ends signed out, asking once, with the session forgotten', async () => {
    const storage: HostStorage = new Map();
    const first = await start(world, { authCodes: consentBy(world.emulator, { customerId: 1 }), storage });
    await first.page.tap('onSignInTap');
    world.clock.advance(8 * DAY_MS);
    world.emulator.clearRequests();

    // Refusing a scope the login needs (refusing only offline would log in: see the test of that).
    const next = await start(world, {
      authCodes: consentBy(world.emulator, { customerId: 1, deny: ['user_profile'] }),
      storage,
    });
    expect(next.shown()).toMatchObject({
      phase: 'signed_out',
      account: null,
      error: { title: 'Bạn chưa đồng ý chia sẻ thông tin', action: 'sign_in' },
    });
    expect(next.shown().error?.message).toContain('“Thông tin hồ sơ”');
    expect(next.log.authCodeCalls).toHaveLength(1);
    expect(world.emulator.countOperation('token')).toBe(0);
    expect(storage.has(SESSION_KEY)).toBe(false);
  });

  it('when Tiki wants consent again (tiki_reauth_required) it logs in silently once and the profile loads', async () => {
    const storage: HostStorage = new Map();
    const first = await start(world, { authCodes: consentBy(world.emulator, { customerId: 4 }), storage });
    await first.page.tap('onSignInTap');
    world.clock.advance(2 * 3_600_000); // the access token is stale: the server must refresh it
    expect(world.emulator.revokeTokens({ customerId: 4 })).toBeGreaterThan(0); // and the refresh is refused
    world.emulator.clearRequests();

    const next = await start(world, { authCodes: consentBy(world.emulator, { customerId: 4 }), storage });
    expect(next.shown()).toMatchObject({
      phase: 'signed_in',
      error: null,
      account: { name: 'Lê Thị Hồng Gấm' },
    });
    expect(next.log.authCodeCalls).toHaveLength(1);
    expect(world.emulator.countOperation('token', 'ok')).toBe(1);
  });

  it('a double tap on login makes exactly one login (one consent, one exchange)', async () => {
    const app = await start(world, { authCodes: consentBy(world.emulator, { customerId: 5 }) });
    await Promise.all([app.page.tap('onSignInTap'), app.page.tap('onSignInTap')]);

    expect(app.shown()).toMatchObject({ phase: 'signed_in', account: { name: 'Phạm Ngũ Lão' } });
    expect(app.log.authCodeCalls).toHaveLength(1);
    expect(world.emulator.countOperation('token')).toBe(1);
    expect(app.log.requests.filter((r) => r.url.endsWith('/api/auth/login'))).toHaveLength(1);
  });

  it('shows a loading state while Tiki’s consent sheet is open and the server logs in', async () => {
    // The consent sheet stays open until the test answers for the user.
    let answer: (outcome: AuthCodeOutcome) => void = () => {};
    const consent = consentBy(world.emulator, { customerId: 1 });
    const app = await start(world, {
      authCodes: () =>
        new Promise<AuthCodeOutcome>((resolve) => {
          answer = resolve;
        }),
    });
    const tapped = app.page.tap('onSignInTap');
    expect(app.shown()).toMatchObject({
      phase: 'working',
      loadingText: 'Đang đăng nhập với Tiki…',
      error: null,
    });

    answer(await consent(['user_profile', 'offline']));
    await tapped;
    expect(app.shown()).toMatchObject({ phase: 'signed_in', account: { name: 'Ti Ni' } });
  });

  it('when Tiki is down the login says so and offers to try again', async () => {
    world.emulator.setFault({ route: 'token', kind: 'status', status: 503, times: 1 });
    const app = await start(world, { authCodes: consentBy(world.emulator, { customerId: 1 }) });
    await app.page.tap('onSignInTap');
    expect(app.shown()).toMatchObject({
      phase: 'signed_out',
      error: { title: 'Tiki đang gián đoạn', action: 'sign_in', actionLabel: 'Thử lại' },
    });

    await app.page.tap('onErrorActionTap');
    expect(app.shown()).toMatchObject({ phase: 'signed_in', error: null, account: { name: 'Ti Ni' } });
  });

  it('a profile that fails to load after a good login offers a reload, not a second login', async () => {
    // The server retries Open API reads twice: three failures in a row reach the mini app.
    world.emulator.setFault({ route: 'profile', kind: 'status', status: 503, times: 3 });
    const app = await start(world, { authCodes: consentBy(world.emulator, { customerId: 2 }) });
    await app.page.tap('onSignInTap');
    expect(app.shown()).toMatchObject({
      phase: 'failed',
      error: { title: 'Tiki đang gián đoạn', action: 'reload', actionLabel: 'Tải lại' },
    });

    await app.page.tap('onErrorActionTap');
    expect(app.shown()).toMatchObject({ phase: 'signed_in', error: null, account: { tikiCustomerId: 2 } });
    expect(app.log.authCodeCalls).toHaveLength(1);
    expect(world.emulator.countOperation('token')).toBe(1);
  });

  it('a user who refuses a scope is told which one, and can try again and accept', async () => {
    let answer = consentBy(world.emulator, { customerId: 1, deny: ['user_profile'] });
    const app = await start(world, { authCodes: (scopes) => answer(scopes) });
    await app.page.tap('onSignInTap');

    expect(app.shown()).toMatchObject({
      phase: 'signed_out',
      account: null,
      error: { title: 'Bạn chưa đồng ý chia sẻ thông tin', action: 'sign_in', actionLabel: 'Thử lại' },
    });
    expect(app.shown().error?.message).toContain('“Thông tin hồ sơ”');
    expect(app.shown().error?.message).not.toContain('Tini Console');
    // A refused consent is not sent to the server.
    expect(world.emulator.countOperation('token')).toBe(0);
    expect(app.log.requests).toEqual([]);
    // The development build tells the developer the real cause in the console.
    expect(app.log.console).toEqual([
      {
        level: 'warn',
        text: '[tini-starter] sign_in failed: ScopeError: Scopes not granted: not allowed [], refused [user_profile]',
      },
    ]);

    answer = consentBy(world.emulator, { customerId: 1 });
    await app.page.tap('onErrorActionTap');
    expect(app.shown()).toMatchObject({ phase: 'signed_in', error: null, account: { name: 'Ti Ni' } });
  });

  it('reads the result fields in the spelling of the type package too (authSuccessScope/authErrorScope)', async () => {
    const app = await start(world, { authCodes: consentInOldSpelling(world.emulator, 2) });
    await app.page.tap('onSignInTap');
    expect(app.shown()).toMatchObject({ phase: 'signed_in', account: { tikiCustomerId: 2 } });
  });

  it('development build: when my.getAuthCode fails, the emulator’s consent endpoint supplies the code', async () => {
    const app = await start(world, { authCodes: hostFails });
    await app.page.tap('onSignInTap');

    expect(app.shown()).toMatchObject({ phase: 'signed_in', account: { name: 'Ti Ni', tikiCustomerId: 1 } });
    const consent = app.log.requests.find((r) => r.url.endsWith('/__emulator/auth-codes'));
    expect(consent?.method).toBe('POST');
    expect(JSON.parse(consent?.body ?? '{}')).toEqual({
      clientId: 'tini-starter-dev',
      scopes: ['user_profile', 'offline'],
    });
  });

  it('development build: a host that answers without a code falls back to the emulator as well', async () => {
    const app = await start(world, { authCodes: hostGivesNoCode });
    await app.page.tap('onSignInTap');
    expect(app.shown()).toMatchObject({ phase: 'signed_in', account: { tikiCustomerId: 1 } });
  });

  it('logout forgets the session here and on the server', async () => {
    const storage: HostStorage = new Map();
    const app = await start(world, { authCodes: consentBy(world.emulator, { customerId: 2 }), storage });
    await app.page.tap('onSignInTap');
    const token = storedToken(storage);

    await app.page.tap('onSignOutTap');
    expect(app.shown()).toMatchObject({ phase: 'signed_out', account: null, error: null, initial: '' });
    expect(storage.has(SESSION_KEY)).toBe(false);
    expect(app.log.toasts).toEqual([{ type: 'success', content: 'Đã đăng xuất' }]);
    const logout = app.log.requests.find((r) => r.url.endsWith('/api/auth/logout'));
    expect(logout?.headers.authorization).toBe(`Bearer ${token}`);

    const me = await fetch(`${world.server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(401);
    expect(await me.json()).toMatchObject({ error: { code: 'unauthenticated' } });

    const next = await start(world, { authCodes: consentBy(world.emulator), storage });
    expect(next.shown()).toMatchObject({ phase: 'signed_out', account: null });
  });

  it('a stored value that is not a session is removed and the app starts signed out', async () => {
    const storage: HostStorage = new Map([[SESSION_KEY, JSON.stringify({ token: 42 })]]);
    const app = await start(world, { authCodes: consentBy(world.emulator), storage });
    expect(app.shown()).toMatchObject({ phase: 'signed_out', error: null });
    expect(storage.has(SESSION_KEY)).toBe(false);
  });
});

describe('a Tini Console app that may not request a scope', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({
      emulator: { apps: [{ ...developmentApp(), allowedScopes: ['user_profile'] }] },
    });
  });
  afterAll(async () => {
    await world.close();
  });

  it('says the app may not request “Duy trì đăng nhập” and that the developer fixes it in Tini Console', async () => {
    const app = await start(world, { authCodes: consentBy(world.emulator, { customerId: 1 }) });
    await app.page.tap('onSignInTap');

    expect(app.shown()).toMatchObject({
      phase: 'signed_out',
      error: { title: 'Ứng dụng chưa được cấp quyền', action: 'sign_in' },
    });
    expect(app.shown().error?.message).toContain('“Duy trì đăng nhập”');
    expect(app.shown().error?.message).toContain('Tini Console');
    expect(world.emulator.countOperation('token')).toBe(0);
  });
});

describe('when the server is down', () => {
  let world: World;
  let serverClosed = false;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterEach(() => {
    world.emulator.clearRequests();
  });
  afterAll(async () => {
    if (!serverClosed) await world.server.close();
    await world.emulator.close();
  });

  it('login says the server cannot be reached, offers to retry, and a signed-in user keeps the session', async () => {
    const storage: HostStorage = new Map();
    const signedIn = await start(world, { authCodes: consentBy(world.emulator, { customerId: 1 }), storage });
    await signedIn.page.tap('onSignInTap');
    const token = storedToken(storage);

    await world.server.close();
    serverClosed = true;

    const fresh = await start(world, { authCodes: consentBy(world.emulator, { customerId: 1 }) });
    await fresh.page.tap('onSignInTap');
    expect(fresh.shown()).toMatchObject({
      phase: 'signed_out',
      error: { title: 'Không kết nối được máy chủ', action: 'sign_in', actionLabel: 'Thử lại' },
    });

    // A stored session is not thrown away because the server is unreachable: the page offers a reload.
    const returning = await start(world, {
      authCodes: consentBy(world.emulator, { customerId: 1 }),
      storage,
    });
    expect(returning.shown()).toMatchObject({
      phase: 'failed',
      error: { title: 'Không kết nối được máy chủ', action: 'reload', actionLabel: 'Tải lại' },
    });
    expect(returning.log.authCodeCalls).toEqual([]);
    expect(storedToken(storage)).toBe(token);
  });
});
