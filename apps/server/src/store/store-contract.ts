/**
 * The specification of `Store`: every implementation runs this suite (the SQLite store; the PostgreSQL store
 * next) and adds only what is its own (files and permissions, connection loss...). A guarantee the server relies
 * on across processes (one exchange per code, one refresh per generation, one order per idempotency key, one
 * fulfilment per order) is stated here once, whatever the database.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewOrder } from './orders.ts';
import type { SealedTikiTokens, Store, StoreEvents } from './store.ts';

/** Opens a fresh store that tells `events` of its status changes. */
export type OpenStore = (events: Pick<StoreEvents, 'orderStatusChanged'>) => Store | Promise<Store>;

export function describeStoreContract(name: string, open: OpenStore): void {
  describe(`the Store contract: ${name}`, () => {
    let store: Store;
    /** The status changes the store told of, as `from>to`. */
    let changes: string[];
    beforeEach(async () => {
      changes = [];
      store = await open({ orderStatusChanged: (from, to) => changes.push(`${from}>${to}`) });
    });
    afterEach(async () => {
      await store.close();
    });

    const sealed = (marker: string): SealedTikiTokens => ({
      keyId: 'k1',
      accessToken: Buffer.from(`a-${marker}`),
      refreshToken: Buffer.from(`r-${marker}`),
      accessExpiresAt: 1000,
      scopes: ['offline'],
    });

    async function userWithTokens(): Promise<string> {
      const user = await store.upsertUser({ id: 'u1', tikiCustomerId: 1, name: 'Ti Ni', now: 0 });
      await store.saveTikiTokens(user.id, sealed('1'), 0);
      return user.id;
    }

    describe('users, sessions, Tiki tokens and auth codes', () => {
      it('upserts users by Tiki customer id, keeping our id and updating the name', async () => {
        const first = await store.upsertUser({ id: 'u1', tikiCustomerId: 7, name: 'A', now: 1 });
        const again = await store.upsertUser({ id: 'u2', tikiCustomerId: 7, name: 'B', now: 2 });
        expect(again).toEqual({ id: 'u1', tikiCustomerId: 7, name: 'B', createdAt: 1, updatedAt: 2 });
        expect(first.id).toBe('u1');
      });

      it('gives the refresh lease to one owner per generation; the others wait or see the next generation', async () => {
        const userId = await userWithTokens();
        const lease = { userId, seenGeneration: 1, now: 10, leaseMs: 100 };
        expect((await store.acquireRefreshLease({ ...lease, owner: 'A' })).kind).toBe('acquired');
        expect(await store.acquireRefreshLease({ ...lease, owner: 'B' })).toEqual({ kind: 'busy' });

        const refreshed = { userId, generation: 1, now: 20 };
        expect(await store.completeRefresh({ ...refreshed, owner: 'B', tokens: sealed('x') })).toBeNull();
        const saved = await store.completeRefresh({ ...refreshed, owner: 'A', tokens: sealed('2') });
        expect(saved?.generation).toBe(2);

        const late = await store.acquireRefreshLease({ ...lease, owner: 'B' });
        expect(late.kind).toBe('advanced');
        expect(late.kind === 'advanced' && late.tokens.accessToken.toString()).toBe('a-2');
      });

      it('applies refreshed tokens only over the generation refreshed: a grant saved meanwhile wins', async () => {
        const userId = await userWithTokens();
        expect(
          (await store.acquireRefreshLease({ userId, seenGeneration: 1, owner: 'A', now: 10, leaseMs: 100 }))
            .kind,
        ).toBe('acquired');
        const login = await store.saveTikiTokens(userId, sealed('login'), 15);
        expect(login.generation).toBe(2);
        const late = { userId, generation: 1, owner: 'A', tokens: sealed('refreshed'), now: 20 };
        expect(await store.completeRefresh(late)).toBeNull();
        expect((await store.getTikiTokens(userId))?.accessToken.toString()).toBe('a-login');
        // A holder whose lease expired unseen still completes the generation it refreshed.
        const next = await store.acquireRefreshLease({
          userId,
          seenGeneration: 2,
          owner: 'A',
          now: 30,
          leaseMs: 1,
        });
        expect(next.kind).toBe('acquired');
        const saved = await store.completeRefresh({ ...late, generation: 2, now: 40 });
        expect(saved?.generation).toBe(3);
      });

      it('lets another owner take an expired lease, and a released one at once', async () => {
        const userId = await userWithTokens();
        const lease = { userId, seenGeneration: 1, leaseMs: 100 };
        expect((await store.acquireRefreshLease({ ...lease, owner: 'A', now: 0 })).kind).toBe('acquired');
        expect((await store.acquireRefreshLease({ ...lease, owner: 'B', now: 100 })).kind).toBe('acquired');
        await store.releaseRefreshLease(userId, 'B');
        expect((await store.acquireRefreshLease({ ...lease, owner: 'C', now: 101 })).kind).toBe('acquired');
        expect(await store.deleteTikiTokens(userId, 5)).toBe(false);
        expect(await store.deleteTikiTokens(userId, 1)).toBe(true);
        expect(await store.acquireRefreshLease({ ...lease, owner: 'D', now: 102 })).toEqual({ kind: 'gone' });
      });

      it('claims a code once; a settled code is reported, a released one can be claimed again', async () => {
        const claim = (owner: string, now: number) => store.claimAuthCode('h1', { owner, now, claimMs: 100 });
        expect(await claim('A', 1)).toEqual({ claimed: true });
        expect(await claim('B', 2)).toMatchObject({
          claimed: false,
          record: { state: 'pending' },
        });
        await store.releaseAuthCode('h1', 'A');
        expect(await claim('C', 3)).toEqual({ claimed: true });
        await store.settleAuthCode('h1', 'C', { state: 'rejected', userId: null, now: 4 });
        await store.releaseAuthCode('h1', 'C'); // only pending claims can be released
        expect(await claim('D', 5)).toMatchObject({
          claimed: false,
          record: { state: 'rejected', settledAt: 4 },
        });
      });

      it('lets a pending claim be taken over once it expires, and only its current owner settle it', async () => {
        const claim = (owner: string, now: number) => store.claimAuthCode('h2', { owner, now, claimMs: 100 });
        expect(await claim('crashed', 0)).toEqual({ claimed: true });
        expect(await claim('early', 99)).toMatchObject({
          claimed: false,
          record: { owner: 'crashed', claimExpiresAt: 100 },
        });
        expect(await claim('retry', 100)).toEqual({ claimed: true });
        // The stalled first owner comes back: its verdict no longer applies, nor can it free the claim.
        await store.settleAuthCode('h2', 'crashed', { state: 'succeeded', userId: null, now: 101 });
        await store.releaseAuthCode('h2', 'crashed');
        expect(await store.getAuthCode('h2')).toMatchObject({
          state: 'pending',
          owner: 'retry',
          claimExpiresAt: 200,
        });
        await store.settleAuthCode('h2', 'retry', { state: 'rejected', userId: null, now: 150 });
        expect(await claim('late', 1000)).toMatchObject({ claimed: false, record: { state: 'rejected' } });
      });

      it('finds a session with its user, granted scopes and sealed tokens in one read; null until tokens are stored', async () => {
        await store.upsertUser({ id: 'u1', tikiCustomerId: 7, name: 'Ti Ni', now: 1 });
        await store.createSession({
          tokenHash: 's1',
          userId: 'u1',
          createdAt: 2,
          lastSeenAt: 3,
          expiresAt: 9,
        });
        expect(await store.findSession('s1')).toEqual({
          tokenHash: 's1',
          userId: 'u1',
          createdAt: 2,
          lastSeenAt: 3,
          expiresAt: 9,
          user: { id: 'u1', tikiCustomerId: 7, name: 'Ti Ni', createdAt: 1, updatedAt: 1 },
          grantedScopes: null,
        });
        expect((await store.findSession('s1', { withTokens: true }))?.tikiTokens).toBeNull();
        const saved = await store.saveTikiTokens(
          'u1',
          { ...sealed('1'), scopes: ['user_profile', 'offline'] },
          4,
        );
        expect((await store.findSession('s1'))?.tikiTokens).toBeUndefined();
        const found = await store.findSession('s1', { withTokens: true });
        expect(found?.grantedScopes).toEqual(['user_profile', 'offline']);
        // Exactly what getTikiTokens reads, blobs and generation included.
        expect(found?.tikiTokens).toEqual(saved);
        expect(found?.tikiTokens).toEqual(await store.getTikiTokens('u1'));
        expect(await store.findSession('unknown')).toBeNull();
      });

      it('stores a login’s user, grant, session and code outcome together', async () => {
        const session = { tokenHash: 's1', userId: 'u1', createdAt: 1, lastSeenAt: 1, expiresAt: 9 };
        expect(await store.claimAuthCode('c1', { owner: 'A', now: 0, claimMs: 100 })).toEqual({
          claimed: true,
        });
        const code = { codeHash: 'c1', owner: 'A' };
        // The failed-login count: an earlier failure, and this attempt, counted when it arrived.
        await store.hitRateLimit('login:10.0.0.1', 60_000, 0);
        await store.hitRateLimit('login:10.0.0.1', 60_000, 0);
        const saved = await store.saveLogin({
          user: { id: 'u1', tikiCustomerId: 1, name: 'Ti Ni' },
          rows: () => ({ tokens: sealed('1'), session }),
          code,
          takeBackAttempt: 'login:10.0.0.1',
          now: 1,
        });
        // Taken back with the login: the next hit is the second, not the third.
        expect((await store.hitRateLimit('login:10.0.0.1', 60_000, 2)).hits).toBe(2);
        expect(saved.user).toEqual({
          id: 'u1',
          tikiCustomerId: 1,
          name: 'Ti Ni',
          createdAt: 1,
          updatedAt: 1,
        });
        expect(saved.tokens).toMatchObject({ userId: 'u1', generation: 1 });
        expect(await store.findSession('s1')).toMatchObject({ userId: 'u1', grantedScopes: ['offline'] });
        expect(await store.getAuthCode('c1')).toMatchObject({
          state: 'succeeded',
          userId: 'u1',
          settledAt: 1,
        });
      });

      it('builds a returning customer’s login rows for the user they already are, and renames them', async () => {
        await store.upsertUser({ id: 'u1', tikiCustomerId: 7, name: 'Ti Ni', now: 0 });
        const builtFor: string[] = [];
        const saved = await store.saveLogin({
          // The id a new customer would get: this one is not new.
          user: { id: 'u-new', tikiCustomerId: 7, name: 'Ti Ni Nguyễn' },
          rows: (userId) => {
            builtFor.push(userId);
            const session = { tokenHash: 's2', userId, createdAt: 5, lastSeenAt: 5, expiresAt: 9 };
            return { tokens: sealed('2'), session };
          },
          now: 5,
        });
        expect(builtFor.at(-1)).toBe('u1');
        expect(saved.user).toEqual({
          id: 'u1',
          tikiCustomerId: 7,
          name: 'Ti Ni Nguyễn',
          createdAt: 0,
          updatedAt: 5,
        });
        expect(await store.getUser('u-new')).toBeNull();
        expect(await store.findSession('s2')).toMatchObject({ userId: 'u1' });
      });

      it('writes nothing of a login whose rows are not for the user it settled on', async () => {
        await store.upsertUser({ id: 'u1', tikiCustomerId: 7, name: 'Ti Ni', now: 0 });
        const session = { tokenHash: 's3', userId: 'u-new', createdAt: 5, lastSeenAt: 5, expiresAt: 9 };
        await expect(
          store.saveLogin({
            user: { id: 'u-new', tikiCustomerId: 7, name: 'Renamed' },
            rows: () => ({ tokens: sealed('3'), session }),
            now: 5,
          }),
        ).rejects.toThrow(/session built is for user u-new, not u1/);
        expect(await store.findSession('s3')).toBeNull();
        expect(await store.getTikiTokens('u1')).toBeNull();
        expect((await store.getUser('u1'))?.name).toBe('Ti Ni');
      });

      it("deletes a user's Tiki tokens with their last session, and prunes tokens no session can use", async () => {
        await store.upsertUser({ id: 'u1', tikiCustomerId: 1, name: 'Ti Ni', now: 0 });
        await store.saveTikiTokens('u1', sealed('1'), 0);
        for (const tokenHash of ['phone', 'tablet']) {
          await store.createSession({
            tokenHash,
            userId: 'u1',
            createdAt: 0,
            lastSeenAt: 0,
            expiresAt: 9000,
          });
        }
        await store.deleteSession('phone');
        expect(await store.getTikiTokens('u1')).not.toBeNull();
        await store.deleteSession('tablet');
        expect(await store.getTikiTokens('u1')).toBeNull();

        await store.upsertUser({ id: 'u2', tikiCustomerId: 2, name: 'Ti Na', now: 0 });
        await store.saveTikiTokens('u2', sealed('2'), 0);
        await store.createSession({
          tokenHash: 'expired',
          userId: 'u2',
          createdAt: 0,
          lastSeenAt: 0,
          expiresAt: 10,
        });
        expect(await store.prune({ now: 1000, idleTimeoutMs: 5000, codesBefore: 0 })).toEqual({
          sessions: 1,
          codes: 0,
          tikiTokens: 1,
          orders: 0,
          rateLimits: 0,
        });
        expect(await store.getTikiTokens('u2')).toBeNull();
      });

      it('prunes expired and idle sessions and old code records', async () => {
        const userId = (await store.upsertUser({ id: 'u1', tikiCustomerId: 1, name: 'Ti Ni', now: 0 })).id;
        await store.createSession({
          tokenHash: 'live',
          userId,
          createdAt: 0,
          lastSeenAt: 900,
          expiresAt: 5000,
        });
        await store.createSession({
          tokenHash: 'idle',
          userId,
          createdAt: 0,
          lastSeenAt: 100,
          expiresAt: 5000,
        });
        await store.createSession({
          tokenHash: 'old',
          userId,
          createdAt: 0,
          lastSeenAt: 900,
          expiresAt: 1000,
        });
        await store.claimAuthCode('old-code', { owner: 'A', now: 10, claimMs: 100 });
        await store.claimAuthCode('new-code', { owner: 'B', now: 900, claimMs: 100 });
        expect(await store.prune({ now: 1000, idleTimeoutMs: 500, codesBefore: 500 })).toEqual({
          sessions: 2,
          codes: 1,
          tikiTokens: 0,
          orders: 0,
          rateLimits: 0,
        });
        expect(await store.findSession('live')).not.toBeNull();
        expect(await store.getAuthCode('new-code')).not.toBeNull();
      });
    });

    describe('request limits', () => {
      it('counts hits in a fixed window, shared by every caller of the store, then starts a new window', async () => {
        expect(await store.hitRateLimit('login:1.2.3.4', 1000, 0)).toEqual({ hits: 1, resetAt: 1000 });
        expect(await store.hitRateLimit('login:1.2.3.4', 1000, 500)).toEqual({ hits: 2, resetAt: 1000 });
        expect(await store.hitRateLimit('login:5.6.7.8', 1000, 500)).toEqual({ hits: 1, resetAt: 1500 });
        await store.unhitRateLimit('login:1.2.3.4', 600);
        expect(await store.hitRateLimit('login:1.2.3.4', 1000, 700)).toEqual({ hits: 2, resetAt: 1000 });
        expect(await store.hitRateLimit('login:1.2.3.4', 1000, 1000)).toEqual({ hits: 1, resetAt: 2000 });
        await store.resetRateLimit('login:1.2.3.4');
        expect(await store.hitRateLimit('login:1.2.3.4', 1000, 1001)).toEqual({ hits: 1, resetAt: 2001 });
      });

      it('prunes windows that have ended', async () => {
        await store.hitRateLimit('a', 100, 0);
        await store.hitRateLimit('b', 1000, 0);
        const pruned = await store.prune({ now: 500, idleTimeoutMs: 1000, codesBefore: 0 });
        expect(pruned.rateLimits).toBe(1);
        expect(await store.hitRateLimit('b', 1000, 600)).toEqual({ hits: 2, resetAt: 1000 });
      });
    });

    describe('orders', () => {
      beforeEach(async () => {
        await store.upsertUser({ id: 'u1', tikiCustomerId: 1, name: 'Ti Ni', now: 0 });
        await store.upsertUser({ id: 'u2', tikiCustomerId: 2, name: 'Minh Khai', now: 0 });
      });

      const DAY = 86_400_000;
      const KEYS = { windowMs: DAY, creatingStaleMs: DAY };
      const order = (over: Partial<NewOrder> = {}): NewOrder => ({
        id: 'ord_1',
        userId: 'u1',
        grandTotal: 20_000,
        items: [{ productId: 'xu-100', name: 'Gói 100 xu', quantity: 2, price: 10_000 }],
        idempotencyKey: null,
        requestHash: null,
        now: 1_000,
        ...over,
      });
      const TIKI_ID = '141857488587784201';

      it('keeps one order per user and idempotency key within the window; later the key is free again', async () => {
        const first = await store.createOrder(
          order({ idempotencyKey: 'key-00001', requestHash: 'h1' }),
          KEYS,
        );
        expect(first).toMatchObject({
          created: true,
          order: { id: 'ord_1', state: 'creating', status: 'draft' },
        });
        const again = await store.createOrder(
          order({ id: 'ord_2', idempotencyKey: 'key-00001', now: 2_000 }),
          KEYS,
        );
        expect(again).toMatchObject({ created: false, existing: { id: 'ord_1', requestHash: 'h1' } });
        const otherUser = await store.createOrder(
          order({ id: 'ord_3', userId: 'u2', idempotencyKey: 'key-00001' }),
          KEYS,
        );
        expect(otherUser.created).toBe(true);
        const nextDay = await store.createOrder(
          order({ id: 'ord_4', idempotencyKey: 'key-00001', now: 1_000 + DAY }),
          KEYS,
        );
        expect(nextDay.created).toBe(true);
        expect((await store.getOrder('ord_1'))?.idempotencyKey).toBeNull();
      });

      it('frees the key of an attempt still creating after creatingStaleMs, and never that of a created order', async () => {
        const keys = { windowMs: DAY, creatingStaleMs: 30_000 };
        const key = { idempotencyKey: 'key-00002', requestHash: 'h1' };
        await store.createOrder(order({ ...key, now: 1_000 }), keys);
        const soon = await store.createOrder(order({ ...key, id: 'ord_2', now: 30_999 }), keys);
        expect(soon).toMatchObject({ created: false, existing: { id: 'ord_1', state: 'creating' } });
        const later = await store.createOrder(order({ ...key, id: 'ord_2', now: 31_000 }), keys);
        expect(later).toMatchObject({ created: true, order: { id: 'ord_2', idempotencyKey: 'key-00002' } });
        // The old attempt keeps its row: if its create answer lands after all, the order is kept (and ends).
        expect(await store.getOrder('ord_1')).toMatchObject({ state: 'creating', idempotencyKey: null });
        await store.attachTikiOrder('ord_2', { tikiOrderId: TIKI_ID, status: 'draft', now: 32_000 });
        const created = await store.createOrder(order({ ...key, id: 'ord_3', now: 90_000 }), keys);
        expect(created).toMatchObject({ created: false, existing: { id: 'ord_2', state: 'created' } });
      });

      it('keeps an IPN’s status when the create answer is stored after it, and never leaves a final status', async () => {
        await store.createOrder(order(), KEYS);
        const early = await store.applyTikiStatus('ord_1', {
          tikiOrderId: TIKI_ID,
          status: 'online_paid',
          paidOnline: true,
          messageAt: 5_000,
          now: 2_000,
        });
        expect(early).toMatchObject({
          state: 'created',
          status: 'online_paid',
          tikiOrderId: TIKI_ID,
          lastMessageAt: 5_000,
          paidAt: 2_000,
        });
        const attached = await store.attachTikiOrder('ord_1', {
          tikiOrderId: TIKI_ID,
          status: 'draft',
          now: 3_000,
        });
        expect(attached).toMatchObject({ status: 'online_paid', tikiOrderId: TIKI_ID });
        expect(await store.findOrderByTikiId(TIKI_ID)).toMatchObject({ id: 'ord_1' });

        await store.applyTikiStatus('ord_1', {
          tikiOrderId: TIKI_ID,
          status: 'completed',
          paidOnline: true,
          messageAt: null,
          now: 4_000,
        });
        const stale = await store.applyTikiStatus('ord_1', {
          tikiOrderId: TIKI_ID,
          status: 'canceled',
          paidOnline: false,
          messageAt: 4_000,
          now: 5_000,
        });
        expect(stale).toMatchObject({
          status: 'completed',
          lastMessageAt: 5_000,
          paidAt: 2_000,
          cancelReason: null,
        });
      });

      /** ord_1, created at Tiki; paid online at `paidAt` when given. */
      async function created(o: { paidAt?: number; id?: string } = {}) {
        const id = o.id ?? 'ord_1';
        await store.createOrder(order({ id }), KEYS);
        const tikiOrderId = id === 'ord_1' ? TIKI_ID : `${TIKI_ID.slice(0, -2)}${id.slice(-2)}`;
        await store.attachTikiOrder(id, { tikiOrderId, status: 'draft', now: 1_500 });
        if (o.paidAt !== undefined) {
          const tiki = { tikiOrderId, status: 'online_paid' as const, paidOnline: true, messageAt: null };
          await store.applyTikiStatus(id, { ...tiki, now: o.paidAt });
        }
      }

      it('tells each status change it writes once, from the status it replaced; nothing for one that changed nothing', async () => {
        await created();
        const tiki = { tikiOrderId: TIKI_ID, paidOnline: false, messageAt: null };
        await store.applyTikiStatus('ord_1', { ...tiki, status: 'waiting_for_payment', now: 2_000 });
        await store.applyTikiStatus('ord_1', { ...tiki, status: 'waiting_for_payment', now: 2_100 });
        const paid = {
          ...tiki,
          status: 'online_paid' as const,
          paidOnline: true,
          messageAt: 3_000,
          now: 3_000,
        };
        const message = { messageId: '141939182305017886', orderId: 'ord_1', createdAt: 3_000, now: 3_000 };
        await store.applyIpnMessage('ord_1', paid, message);
        await store.applyIpnMessage('ord_1', paid, message);
        // Two callers applying the same answer at once (an IPN and the buyer's read): one change.
        const completed = { ...paid, status: 'completed' as const, now: 4_000 };
        await Promise.all([
          store.applyTikiStatus('ord_1', completed),
          store.applyTikiStatus('ord_1', completed),
        ]);
        await store.applyTikiStatus('ord_1', { ...completed, status: 'canceled', now: 5_000 });
        expect(changes).toEqual([
          'draft>waiting_for_payment',
          'waiting_for_payment>online_paid',
          'online_paid>completed',
        ]);
      });

      it('says when the oldest order paid and not yet delivered was paid, until it is delivered or ends', async () => {
        expect(await store.oldestUnfulfilledPaidAt()).toBeNull();
        await created({ id: 'ord_1', paidAt: 2_000 });
        await created({ id: 'ord_2', paidAt: 3_000 });
        await created({ id: 'ord_3' });
        expect(await store.oldestUnfulfilledPaidAt()).toBe(2_000);
        expect(await store.claimFulfilment('ord_1', { owner: 'a', now: 3_500, claimMs: 100 })).toBe(true);
        expect(await store.finishFulfilment('ord_1', 'a', 3_600)).toBe(true);
        expect(await store.oldestUnfulfilledPaidAt()).toBe(3_000);
        const canceled = { tikiOrderId: `${TIKI_ID.slice(0, -2)}_2`, paidOnline: true, messageAt: null };
        await store.applyTikiStatus('ord_2', { ...canceled, status: 'canceled', now: 4_000 });
        expect(await store.oldestUnfulfilledPaidAt()).toBeNull();
      });

      it('records an IPN and what it applied in one write, and applies nothing for a message seen before', async () => {
        await created();
        const tiki = {
          tikiOrderId: TIKI_ID,
          status: 'online_paid' as const,
          paidOnline: true,
          messageAt: 3_000,
        };
        const message = { messageId: '141939182305017886', orderId: 'ord_1', createdAt: 3_000, now: 4_000 };
        const first = await store.applyIpnMessage('ord_1', { ...tiki, now: 4_000 }, message);
        expect(first).toMatchObject({ duplicate: false, order: { status: 'online_paid', paidAt: 4_000 } });
        expect(await store.hasIpnMessage(message.messageId)).toBe(true);
        const canceled = { ...tiki, status: 'canceled' as const, paidOnline: false, now: 5_000 };
        const again = await store.applyIpnMessage('ord_1', canceled, { ...message, now: 5_000 });
        expect(again).toMatchObject({ duplicate: true, order: { status: 'online_paid' } });
        // A final order records a new message and is written no more.
        const completed = { ...tiki, status: 'completed' as const, now: 6_000 };
        await store.applyTikiStatus('ord_1', completed);
        const late = await store.applyIpnMessage(
          'ord_1',
          { ...completed, messageAt: 9_000, now: 7_000 },
          {
            ...message,
            messageId: '141939182305017999',
            now: 7_000,
          },
        );
        expect(late).toMatchObject({ duplicate: false, order: { status: 'completed', updatedAt: 6_000 } });
        expect(await store.hasIpnMessage('141939182305017999')).toBe(true);
        expect(await store.applyIpnMessage('ord_gone', canceled, { ...message, messageId: '2' })).toBeNull();
      });

      it('marks an order Tiki canceled on its own with the reason `tiki`, keeping a reason we gave first', async () => {
        await created();
        await created({ id: 'ord_22' });
        const tiki = { status: 'canceled' as const, paidOnline: false, messageAt: null, now: 3_000 };
        const byTiki = await store.applyTikiStatus('ord_1', { ...tiki, tikiOrderId: TIKI_ID });
        expect(byTiki).toMatchObject({ status: 'canceled', cancelReason: 'tiki' });
        const claim = { owner: 'a', now: 2_000, claimMs: 100 };
        expect(await store.claimCancel('ord_22', { ...claim, reason: 'buyer' })).toMatchObject({
          cancelReason: 'buyer',
        });
        const mine = await store.applyTikiStatus('ord_22', { ...tiki, tikiOrderId: '1' });
        expect(mine).toMatchObject({ status: 'canceled', cancelReason: 'buyer' });
      });

      it('deletes an order Tiki never created, but not one it did', async () => {
        await store.createOrder(order(), KEYS);
        await store.abandonOrder('ord_1');
        expect(await store.getOrder('ord_1')).toBeNull();
        await store.createOrder(order({ id: 'ord_2' }), KEYS);
        await store.attachTikiOrder('ord_2', { tikiOrderId: TIKI_ID, status: 'draft', now: 2_000 });
        await store.abandonOrder('ord_2');
        expect(await store.getOrder('ord_2')).not.toBeNull();
      });

      it('lets one caller fulfil a paid order, takes over an expired claim, and lets only the owner finish', async () => {
        await created();
        const claim = (owner: string, now: number) => ({ owner, now, claimMs: 100 });
        // Not paid: nothing to deliver.
        expect(await store.claimFulfilment('ord_1', claim('a', 10))).toBe(false);
        await store.applyTikiStatus('ord_1', {
          tikiOrderId: TIKI_ID,
          status: 'online_paid',
          paidOnline: true,
          messageAt: null,
          now: 10,
        });
        expect(await store.claimFulfilment('ord_1', claim('a', 10))).toBe(true);
        expect(await store.claimFulfilment('ord_1', claim('b', 50))).toBe(false);
        expect(await store.claimFulfilment('ord_1', claim('b', 110))).toBe(true);
        expect(await store.finishFulfilment('ord_1', 'a', 120)).toBe(false);
        expect(await store.finishFulfilment('ord_1', 'b', 120)).toBe(true);
        expect(await store.claimFulfilment('ord_1', claim('c', 10_000))).toBe(false);
        expect(await store.getOrder('ord_1')).toMatchObject({ fulfilledAt: 120, fulfilAttempts: 2 });
      });

      it('keeps a claim renewed in time past its first expiry, and tells an owner whose claim expired', async () => {
        await created({ paidAt: 5 });
        expect(await store.claimFulfilment('ord_1', { owner: 'a', now: 10, claimMs: 100 })).toBe(true);
        expect(await store.renewClaim('ord_1', { owner: 'a', now: 90, claimMs: 100 })).toBe(true);
        expect(await store.claimFulfilment('ord_1', { owner: 'b', now: 150, claimMs: 100 })).toBe(false);
        expect(await store.claimFulfilment('ord_1', { owner: 'b', now: 190, claimMs: 100 })).toBe(true);
        expect(await store.renewClaim('ord_1', { owner: 'a', now: 200, claimMs: 100 })).toBe(false);
        expect(await store.finishFulfilment('ord_1', 'a', 200)).toBe(false);
        // Expired, even if nobody took it yet: the owner learns it lost it.
        expect(await store.renewClaim('ord_1', { owner: 'b', now: 290, claimMs: 100 })).toBe(false);
      });

      it('retries a failed fulfilment after its backoff, and gives up after the last attempt, keeping the claim to cancel', async () => {
        await created({ paidAt: 5 });
        const fail = { retryAt: 1_000, maxAttempts: 2 };
        expect(await store.claimFulfilment('ord_1', { owner: 'a', now: 10, claimMs: 100_000 })).toBe(true);
        expect(await store.failFulfilment('ord_1', 'b', { ...fail, now: 20 })).toBeNull();
        expect(await store.failFulfilment('ord_1', 'a', { ...fail, now: 20 })).toMatchObject({
          retryAt: 1_000,
          fulfilAttempts: 1,
          cancelReason: null,
        });
        expect(await store.claimFulfilment('ord_1', { owner: 'b', now: 999, claimMs: 100 })).toBe(false);
        expect(await store.claimFulfilment('ord_1', { owner: 'b', now: 1_000, claimMs: 100 })).toBe(true);
        const gaveUp = await store.failFulfilment('ord_1', 'b', { ...fail, now: 1_010, retryAt: 5_000 });
        expect(gaveUp).toMatchObject({ fulfilAttempts: 2, cancelReason: 'fulfilment_failed', retryAt: null });
        // The claim is still b's: nobody else cancels or fulfils meanwhile; b cancels at Tiki.
        expect(await store.claimFulfilment('ord_1', { owner: 'c', now: 9_000, claimMs: 100 })).toBe(false);
        const cancel = { claimMs: 100, reason: 'buyer' as const };
        expect(await store.claimCancel('ord_1', { ...cancel, owner: 'c', now: 1_020 })).toBeNull();
        expect(await store.claimCancel('ord_1', { ...cancel, owner: 'b', now: 1_020 })).toMatchObject({
          cancelReason: 'fulfilment_failed',
        });
      });

      it('excludes a cancel and a fulfilment from each other: whichever claims first wins', async () => {
        await created({ paidAt: 5 });
        await created({ id: 'ord_22' });
        const claim = (owner: string, now: number) => ({ owner, now, claimMs: 100 });
        // Paid: a buyer's cancel is refused; the fulfilment goes ahead.
        expect(await store.claimCancel('ord_1', { ...claim('c', 10), reason: 'buyer' })).toBeNull();
        expect(await store.claimFulfilment('ord_1', claim('f', 10))).toBe(true);
        // Unpaid: the cancel claims first; Tiki's payment arriving meanwhile does not let a fulfilment start.
        expect(await store.claimCancel('ord_22', { ...claim('c', 10), reason: 'buyer' })).toMatchObject({
          cancelReason: 'buyer',
        });
        const paid = { status: 'online_paid' as const, paidOnline: true, messageAt: null, now: 20 };
        await store.applyTikiStatus('ord_22', { ...paid, tikiOrderId: `${TIKI_ID.slice(0, -2)}22` });
        expect(await store.claimFulfilment('ord_22', claim('f', 20))).toBe(false);
        expect(await store.claimCancel('ord_22', { ...claim('d', 30), reason: 'unpaid' })).toBeNull();
        // The canceler takes its decision back (Tiki said paid before it canceled): now the fulfilment may run.
        expect(await store.withdrawCancel('ord_22', 'd')).toBe(false);
        expect(await store.withdrawCancel('ord_22', 'c')).toBe(true);
        expect(await store.getOrder('ord_22')).toMatchObject({ cancelReason: null });
        expect(await store.claimFulfilment('ord_22', claim('f', 40))).toBe(true);
        // A fulfilment started once (even if its owner died) is never canceled by the buyer.
        expect(await store.claimCancel('ord_22', { ...claim('c', 1_000), reason: 'buyer' })).toBeNull();
      });

      it('lets a decided cancel be taken over once its claim expires, and frees a released claim at once', async () => {
        await created();
        const claim = (owner: string, now: number) => ({
          owner,
          now,
          claimMs: 100,
          reason: 'unpaid' as const,
        });
        expect(await store.claimCancel('ord_1', claim('a', 10))).not.toBeNull();
        expect(await store.claimCancel('ord_1', claim('a', 20))).not.toBeNull();
        expect(await store.claimCancel('ord_1', claim('b', 50))).toBeNull();
        expect(await store.claimCancel('ord_1', { ...claim('b', 120), reason: 'buyer' })).toMatchObject({
          cancelReason: 'unpaid',
        });
        await store.releaseClaim('ord_1', 'b');
        expect(await store.claimCancel('ord_1', claim('c', 130))).not.toBeNull();
        const canceled = {
          tikiOrderId: TIKI_ID,
          status: 'canceled' as const,
          paidOnline: false,
          messageAt: null,
        };
        await store.applyTikiStatus('ord_1', { ...canceled, now: 140 });
        expect(await store.claimCancel('ord_1', claim('c', 150))).toBeNull();
      });

      it('records a cash delivery once, and never on an order canceled, claimed or fulfilled', async () => {
        await created();
        await created({ id: 'ord_22' });
        expect(await store.recordCashDelivery('ord_1', 50)).toMatchObject({ paidAt: 50, fulfilledAt: 50 });
        expect(await store.recordCashDelivery('ord_1', 60)).toBeNull();
        await store.claimCancel('ord_22', { owner: 'a', now: 10, claimMs: 100, reason: 'buyer' });
        expect(await store.recordCashDelivery('ord_22', 50)).toBeNull();
      });

      it('gives each open order to one sweep per interval, the longest unchecked first', async () => {
        await created({ id: 'ord_11' });
        await created({ id: 'ord_12' });
        await created({ id: 'ord_13' });
        await created({ id: 'ord_14' });
        await store.createOrder(order({ id: 'ord_15' }), KEYS); // still creating: Tiki has given no id
        await store.claimStatusCheck('ord_12', 5_000, 1);
        const done = { tikiOrderId: `${TIKI_ID.slice(0, -2)}14`, paidOnline: true, messageAt: null };
        await store.applyTikiStatus('ord_14', { ...done, status: 'completed', now: 10 });
        const first = await store.claimSweepBatch({ now: 10_000, checkedBefore: 9_000, limit: 1 });
        const rest = await store.claimSweepBatch({ now: 10_000, checkedBefore: 9_000, limit: 10 });
        expect([first.map((o) => o.id), rest.map((o) => o.id).sort()]).toEqual([
          [expect.stringMatching(/ord_1[13]/)],
          ['ord_12', ...['ord_11', 'ord_13'].filter((id) => id !== first[0]?.id)].sort(),
        ]);
        expect(rest.every((o) => o.checkedAt === 10_000)).toBe(true);
        expect(await store.claimSweepBatch({ now: 11_000, checkedBefore: 9_000, limit: 10 })).toEqual([]);
        expect(await store.claimStatusCheck('ord_11', 10_500, 1_000)).toBe(false);
      });

      it('grants one status re-read per interval', async () => {
        await store.createOrder(order(), KEYS);
        expect(await store.claimStatusCheck('ord_1', 10_000, 5_000)).toBe(true);
        expect(await store.claimStatusCheck('ord_1', 12_000, 5_000)).toBe(false);
        expect(await store.claimStatusCheck('ord_1', 15_000, 5_000)).toBe(true);
      });

      it('records each IPN message once', async () => {
        const message = { messageId: '141939182305017886', orderId: 'ord_1', createdAt: 1, now: 2 };
        expect(await store.hasIpnMessage(message.messageId)).toBe(false);
        expect(await store.recordIpnMessage(message)).toBe(true);
        expect(await store.recordIpnMessage(message)).toBe(false);
        expect(await store.hasIpnMessage(message.messageId)).toBe(true);
      });

      it('lists a user’s created orders newest first, a page at a time', async () => {
        for (let i = 1; i <= 5; i++) {
          await store.createOrder(order({ id: `ord_${i}`, now: i < 4 ? 1_000 : 1_000 + i }), KEYS);
          if (i !== 2)
            await store.attachTikiOrder(`ord_${i}`, {
              tikiOrderId: String(100 + i),
              status: 'draft',
              now: 9,
            });
        }
        const first = await store.listOrders('u1', { limit: 2 });
        expect(first.map((o) => o.id)).toEqual(['ord_5', 'ord_4']);
        const last = first.at(-1);
        const next = await store.listOrders('u1', {
          limit: 5,
          before: { createdAt: last?.createdAt ?? 0, id: last?.id ?? '' },
        });
        // ord_2 is still being created: not listed.
        expect(next.map((o) => o.id)).toEqual(['ord_3', 'ord_1']);
        expect(await store.listOrders('u2', { limit: 5 })).toEqual([]);
      });

      it('prunes orders left creating by a process that died', async () => {
        await store.createOrder(order(), KEYS);
        const pruned = await store.prune({ now: 10 * DAY, idleTimeoutMs: DAY, codesBefore: 9 * DAY });
        expect(pruned.orders).toBe(1);
        expect(await store.getOrder('ord_1')).toBeNull();
      });
    });
  });
}
