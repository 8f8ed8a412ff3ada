/**
 * Real PostgreSQL for the tests and the bench: a throwaway cluster in a temp folder, on a loopback port, with a
 * random password, started from Debian's `postgresql` package (`pnpm test:setup` installs it), or the developer's
 * own server when TEST_DATABASE_URL names one (an account that may CREATE DATABASE).
 *
 *   const pg = await startPostgres();
 *   const url = await pg.createDatabase(); // a fresh, empty database for one test
 *   ...
 *   await pg.close();                      // stops the cluster and deletes its folder
 *
 * It never skips: without PostgreSQL it throws, naming the command that installs it.
 */
import { type SpawnOptions, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from '@tini-starter/tiki-platform/testing/ports';
import pg from 'pg';

/** Where a test finds the run's PostgreSQL (what vitest's global setup provides; see postgres-global-setup.ts). */
export interface PostgresServer {
  /** The server's admin URL (database `postgres`). */
  adminUrl: string;
  /** Every database this run creates is named `<prefix>_<random>`, so that closing drops exactly those. */
  prefix: string;
}

export interface TestPostgres extends PostgresServer {
  /** Creates an empty database; returns its URL. */
  createDatabase(): Promise<string>;
  /** True when this process started the cluster (so it can stop and start it); false for TEST_DATABASE_URL. */
  readonly owned: boolean;
  /** Stops the server the way a crash or an operator would (`fast`: disconnects everyone; `immediate`: a crash). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops the cluster and deletes its folder (or, on a developer's server, drops the databases it created). */
  close(): Promise<void>;
}

/** The unprivileged account a throwaway cluster runs as when the tests run as root (initdb refuses root). */
const CLUSTER_USER = 'postgres';

/**
 * The run's PostgreSQL: TEST_DATABASE_URL's server when set, else a throwaway cluster. `own: true` always starts
 * a cluster (a test that stops and starts PostgreSQL must not do it to anyone else's).
 */
export async function startPostgres(o: { own?: boolean } = {}): Promise<TestPostgres> {
  const external = process.env.TEST_DATABASE_URL;
  if (external && !o.own) return onExistingServer(external);
  return startCluster();
}

/** Runs a function against a database URL's server, closing the connection after. */
async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function databaseUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates an empty database on the run's server; returns its URL. */
export async function createDatabase(server: PostgresServer): Promise<string> {
  const name = `${server.prefix}_${randomBytes(5).toString('hex')}`;
  await withClient(server.adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  return databaseUrl(server.adminUrl, name);
}

function newPrefix(): string {
  return `tini_test_${randomBytes(4).toString('hex')}`;
}

async function onExistingServer(adminUrl: string): Promise<TestPostgres> {
  const server = { adminUrl, prefix: newPrefix() };
  const refuse = async () => {
    throw new Error(
      'TEST_DATABASE_URL names your own server: the tests that stop PostgreSQL need their own cluster',
    );
  };
  return {
    ...server,
    owned: false,
    createDatabase: () => createDatabase(server),
    stop: refuse,
    start: refuse,
    async close() {
      await withClient(adminUrl, async (c) => {
        const created = await c.query<{ datname: string }>(
          "SELECT datname FROM pg_database WHERE starts_with(datname, $1 || '_')",
          [server.prefix],
        );
        for (const { datname } of created.rows)
          await c.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      });
    },
  };
}

/** The folder of PostgreSQL's server programs: PG_BIN, then PATH, then Debian's /usr/lib/postgresql/<newest>/bin. */
export function findPostgresBin(): string {
  const candidates = [
    process.env.PG_BIN,
    ...(process.env.PATH ?? '').split(delimiter),
    ...(existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql')
          .filter((v) => /^\d+$/.test(v))
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => `/usr/lib/postgresql/${v}/bin`)
      : []),
  ];
  const bin = candidates.find(
    (dir) => dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')),
  );
  if (!bin) {
    throw new Error(
      'PostgreSQL is not installed (no initdb and pg_ctl found): run `pnpm test:setup` (it installs Debian’s ' +
        '`postgresql` package), set PG_BIN to its bin folder, or set TEST_DATABASE_URL to a server of your own',
    );
  }
  return bin;
}

async function startCluster(): Promise<TestPostgres> {
  const bin = findPostgresBin();
  const root = mkdtempSync(join(tmpdir(), 'tini-postgres-'));
  const data = join(root, 'data');
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(root, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  // initdb and postgres refuse to run as root: as root, the cluster belongs to the package's `postgres` account.
  const as = process.getuid?.() === 0 ? accountOf(CLUSTER_USER) : undefined;
  if (as) {
    chmodSync(root, 0o700);
    for (const path of [root, pwfile]) chownSync(path, as.uid, as.gid);
  }
  const spawnOptions: SpawnOptions = { cwd: root, env: { PATH: process.env.PATH ?? '', LANG: 'C' }, ...as };
  try {
    await run(
      join(bin, 'initdb'),
      [
        '-D',
        data,
        '-U',
        'postgres',
        '-A',
        'scram-sha-256',
        `--pwfile=${pwfile}`,
        '-E',
        'UTF8',
        '--no-locale',
        '--no-sync',
      ],
      spawnOptions,
    );
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  const port = await freePort();
  // Loopback TCP only (no Unix socket), enough connections for several server processes per test file, and no
  // fsync: a crash of PostgreSQL (not of the machine) loses nothing, and the tests are spared the disk flushes.
  const options = [
    `-p ${port}`,
    "-c listen_addresses='127.0.0.1'",
    "-c unix_socket_directories=''",
    '-c max_connections=300',
    '-c fsync=off',
    '-c full_page_writes=off',
  ].join(' ');
  const log = join(root, 'server.log');
  const pgCtl = (args: string[]) => run(join(bin, 'pg_ctl'), ['-D', data, ...args], spawnOptions);
  const start = () => pgCtl(['-l', log, '-o', options, '-w', '-t', '60', 'start']);
  try {
    await start();
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  const server = {
    adminUrl: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    prefix: newPrefix(),
  };
  let running = true;
  return {
    ...server,
    owned: true,
    createDatabase: () => createDatabase(server),
    async stop(mode = 'fast') {
      await pgCtl(['-m', mode, '-w', 'stop']);
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async close() {
      if (running) await pgCtl(['-m', 'immediate', '-w', 'stop']).catch(() => {});
      running = false;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function accountOf(name: string): { uid: number; gid: number } {
  const line = (existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8') : '')
    .split('\n')
    .find((l: string) => l.startsWith(`${name}:`));
  if (!line) {
    throw new Error(
      `running as root, the throwaway PostgreSQL cluster needs the unprivileged account '${name}' ` +
        '(Debian’s postgresql package creates it): run `pnpm test:setup`',
    );
  }
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function run(command: string, args: string[], options: SpawnOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} failed (${code}):\n${output}`));
    });
  });
}
