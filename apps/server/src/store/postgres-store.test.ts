import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../testing/postgres.ts';
import { testDatabase } from '../testing/test-database.ts';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.ts';
import { migratePostgres, openPostgresStore } from './postgres-store.ts';
import { StorageUnavailableError, type Store } from './store.ts';
import { describeStoreContract } from './store-contract.ts';

describeStoreContract('PostgreSQL', async (events) => openPostgresStore(await testDatabase(), { events }));

async function query<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

describe('the PostgreSQL store’s own', () => {
  it('migrates once when several instances open a new database at the same moment', async () => {
    const url = await testDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(url)));
    const versions = await query<{ version: number }>(
      url,
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    expect(versions.map((row) => row.version)).toEqual(POSTGRES_MIGRATIONS.map((_, i) => i + 1));
    await Promise.all(stores.map((store) => store.ping()));
    await Promise.all(stores.map((store) => store.close()));
    expect(await migratePostgres(url)).toEqual({
      from: POSTGRES_MIGRATIONS.length,
      to: POSTGRES_MIGRATIONS.length,
    });
  });

  it('with migrate: false, refuses a database that is not migrated yet and names the command', async () => {
    const url = await testDatabase();
    await expect(openPostgresStore(url, { migrate: false })).rejects.toThrow(
      /v0 .*needs v\d+: run `pnpm --filter @tini-starter\/server migrate`/,
    );
    expect(await migratePostgres(url)).toEqual({ from: 0, to: POSTGRES_MIGRATIONS.length });
    const store = await openPostgresStore(url, { migrate: false });
    await store.ping();
    await store.close();
  });

  it('refuses a database a newer server migrated', async () => {
    const url = await testDatabase();
    await migratePostgres(url);
    await query(url, `INSERT INTO schema_migrations (version) VALUES (${POSTGRES_MIGRATIONS.length + 1})`);
    await expect(openPostgresStore(url)).rejects.toThrow(/newer than this server/);
  });
});

/** Counts event-loop turns while `work` runs: a call that blocked the loop would leave the count near zero. */
async function loopTurnsDuring(work: Promise<unknown>): Promise<number> {
  let turns = 0;
  const timer = setInterval(() => turns++, 10);
  await work.catch(() => {});
  clearInterval(timer);
  return turns;
}

describe('the PostgreSQL store shared by three instances, all at once', () => {
  let stores: Store[];
  let url: string;
  beforeAll(async () => {
    url = await testDatabase();
    stores = await Promise.all([1, 2, 3].map(() => openPostgresStore(url)));
    await stores[0]?.upsertUser({ id: 'u1', tikiCustomerId: 1, name: 'Ti Ni', now: 0 });
    await stores[0]?.saveTikiTokens(
      'u1',
      { keyId: 'k1', accessToken: Buffer.from('a'), refreshToken: null, accessExpiresAt: 1, scopes: [] },
      0,
    );
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });
  const thirty = <T>(fn: (store: Store, i: number) => Promise<T>) =>
    Promise.all(Array.from({ length: 30 }, (_, i) => fn(stores[i % 3] as Store, i)));

  it('one claim of a code, one refresh lease, one order per key, one sweep per order, one fulfilment, one count per hit', async () => {
    const claims = await thirty((store, i) =>
      store.claimAuthCode('code', { owner: `o${i}`, now: 10, claimMs: 1000 }),
    );
    expect(claims.filter((claim) => claim.claimed)).toHaveLength(1);

    const leases = await thirty((store, i) =>
      store.acquireRefreshLease({ userId: 'u1', seenGeneration: 1, owner: `o${i}`, now: 10, leaseMs: 1000 }),
    );
    expect(leases.filter((lease) => lease.kind === 'acquired')).toHaveLength(1);
    expect(leases.filter((lease) => lease.kind === 'busy')).toHaveLength(29);

    const orders = await thirty((store, i) =>
      store.createOrder(
        {
          id: `order-${i}`,
          userId: 'u1',
          grandTotal: 1000,
          items: [],
          idempotencyKey: 'k',
          requestHash: 'h',
          now: 10,
        },
        { windowMs: 60_000, creatingStaleMs: 60_000 },
      ),
    );
    const created = orders.filter((order) => order.created);
    expect(created).toHaveLength(1);
    const id = created[0]?.created ? created[0].order.id : '';
    expect(orders.every((order) => (order.created ? order.order.id : order.existing.id) === id)).toBe(true);

    const tikiOrderId = '141857488587784201';
    const first = stores[0] as Store;
    await first.attachTikiOrder(id, { tikiOrderId, status: 'draft', now: 10 });
    await first.applyTikiStatus(id, {
      tikiOrderId,
      status: 'online_paid',
      paidOnline: true,
      messageAt: null,
      now: 10,
    });
    // Thirty instances' sweeps at once: each open order goes to one of them.
    const swept = await thirty((store) => store.claimSweepBatch({ now: 20, checkedBefore: 15, limit: 100 }));
    expect(swept.flat().map((order) => order.id)).toEqual([id]);

    const fulfilments = await thirty((store, i) =>
      store.claimFulfilment(id, { owner: `o${i}`, now: 10, claimMs: 1000 }),
    );
    expect(fulfilments.filter(Boolean)).toHaveLength(1);

    const hits = await thirty((store) => store.hitRateLimit('login:1.2.3.4', 60_000, 10));
    expect(hits.map((hit) => hit.hits).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
  });

  it("a new customer's first logins at once: one user, every login's rows built for it and stored", async () => {
    const builtFor = new Map<number, string>();
    const logins = await thirty((store, i) =>
      store.saveLogin({
        user: { id: `new-${i}`, tikiCustomerId: 4242, name: 'Ti Na' },
        rows: (userId) => {
          // The rows a login stores are the last ones built: for the user its statement settled on.
          builtFor.set(i, userId);
          return {
            tokens: {
              keyId: 'k1',
              accessToken: Buffer.from(`a-${i}`),
              refreshToken: null,
              accessExpiresAt: 1000,
              scopes: ['offline'],
            },
            session: { tokenHash: `s-${i}`, userId, createdAt: 10, lastSeenAt: 10, expiresAt: 9000 },
          };
        },
        now: 10,
      }),
    );
    const id = logins[0]?.user.id as string;
    expect(logins.every((login) => login.user.id === id && login.tokens.userId === id)).toBe(true);
    expect(new Set(builtFor.values())).toEqual(new Set([id]));
    // Thirty grants of one user: each replaced the previous one (generations 1 to 30), and every session is its.
    expect(logins.map((login) => login.tokens.generation).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    for (let i = 0; i < 30; i++) {
      expect(await stores[0]?.findSession(`s-${i}`)).toMatchObject({ userId: id });
    }
  });

  it('a login whose customer was created elsewhere after it looked them up builds its rows again for them', async () => {
    // Another instance's first login of the customer, caught mid-transaction: its user row exists but is not
    // committed, so this login's lookup finds nobody and its statement waits for that row.
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(
        "INSERT INTO users (id, tiki_customer_id, name, created_at, updated_at) VALUES ('theirs', 77, 'Ti Nu', 5, 5)",
      );
      const built: string[] = [];
      let looked!: () => void;
      const lookedUp = new Promise<void>((resolve) => {
        looked = resolve;
      });
      const saving = (stores[0] as Store).saveLogin({
        user: { id: 'mine', tikiCustomerId: 77, name: 'Ti Nu' },
        rows: (userId) => {
          built.push(userId);
          looked();
          return {
            tokens: {
              keyId: 'k1',
              accessToken: Buffer.from(userId),
              refreshToken: null,
              accessExpiresAt: 1000,
              scopes: ['offline'],
            },
            session: {
              tokenHash: `late-${built.length}`,
              userId,
              createdAt: 10,
              lastSeenAt: 10,
              expiresAt: 9000,
            },
          };
        },
        now: 10,
      });
      await lookedUp;
      await other.query('COMMIT');
      const saved = await saving;
      expect(built).toEqual(['mine', 'theirs']);
      expect(saved.user).toMatchObject({ id: 'theirs', tikiCustomerId: 77 });
      expect(saved.tokens.userId).toBe('theirs');
      // Only the second rows were stored: the first session never existed.
      expect(await stores[0]?.findSession('late-1')).toBeNull();
      expect(await stores[0]?.findSession('late-2')).toMatchObject({ userId: 'theirs' });
      expect(await stores[0]?.getUser('mine')).toBeNull();
    } finally {
      await other.end();
    }
  });
});

describe('the PostgreSQL store under locks and a full pool', () => {
  const sealed = {
    keyId: 'k1',
    accessToken: Buffer.from('a'),
    refreshToken: null,
    accessExpiresAt: 1,
    scopes: [],
  };
  let url: string;
  let store: Store;
  let holder: pg.Client;

  beforeAll(async () => {
    url = await testDatabase();
    store = await openPostgresStore(url, { timeoutMs: 400, poolMax: 1 });
    await store.upsertUser({ id: 'u1', tikiCustomerId: 1, name: 'Ti Ni', now: 0 });
    await store.saveTikiTokens('u1', sealed, 0);
    // Another instance's transaction holding the user's token row.
    holder = new pg.Client({ connectionString: url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query("SELECT 1 FROM tiki_tokens WHERE user_id = 'u1' FOR UPDATE");
  });
  afterAll(async () => {
    await holder.end();
    await store.close();
  });

  it('a locked row: the event loop keeps turning, the call fails with StorageUnavailableError after the deadline, and nothing was written', async () => {
    const started = Date.now();
    const lease = store.acquireRefreshLease({
      userId: 'u1',
      seenGeneration: 1,
      owner: 'A',
      now: 1,
      leaseMs: 100,
    });
    // The pool's one connection waits for the lock: the next call waits for the connection, with its own deadline.
    const read = store.getUser('u1');
    expect(await loopTurnsDuring(Promise.allSettled([lease, read]))).toBeGreaterThan(10);
    await expect(lease).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(read).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(Date.now() - started).toBeLessThan(5000);

    await holder.query('ROLLBACK');
    expect(
      (await store.acquireRefreshLease({ userId: 'u1', seenGeneration: 1, owner: 'A', now: 2, leaseMs: 100 }))
        .kind,
    ).toBe('acquired');
    expect(await store.getUser('u1')).toMatchObject({ id: 'u1' });
  });
});

describe('the PostgreSQL store when the database goes away', () => {
  let server: TestPostgres;
  let store: Store;
  beforeAll(async () => {
    server = await startPostgres({ own: true });
    store = await openPostgresStore(await server.createDatabase(), { timeoutMs: 1000 });
  });
  afterAll(async () => {
    await store.close();
    await server.close();
  });

  it('answers StorageUnavailableError while it is down (never hangs, never another error), and recovers when it is back', async () => {
    await store.upsertUser({ id: 'u1', tikiCustomerId: 1, name: 'Ti Ni', now: 0 });
    await server.stop('immediate');
    const started = Date.now();
    await expect(store.getUser('u1')).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(store.upsertUser({ id: 'u2', tikiCustomerId: 2, name: 'B', now: 1 })).rejects.toBeInstanceOf(
      StorageUnavailableError,
    );
    await expect(store.ping()).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(Date.now() - started).toBeLessThan(5000);

    await server.start();
    // The pool dropped the broken connections; the next call opens a new one.
    expect(await store.getUser('u1')).toMatchObject({ id: 'u1', name: 'Ti Ni' });
    await store.ping();
  });
});
