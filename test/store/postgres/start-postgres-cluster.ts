// A throwaway PostgreSQL cluster for tests: initdb into a temp folder, started on a unix socket and a free
// port (no TCP listener), fsync off, stopped (and removed) by `stop()` or when the test process exits.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export type PostgresCluster = {
  /** A URL for a new database on the cluster: empty, or a copy of `template` (a database's URL, not in use). */
  createDatabase(options?: { template?: string }): Promise<string>;
  /** The admin URL (database `postgres`). */
  url: string;
  stop(): Promise<void>;
};

/** The folder holding initdb and pg_ctl: Debian's versioned folder (newest first), else PATH. */
export function findPostgresBinaries(): string | undefined {
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((name) => existsSync(join(debian, name, 'bin', 'pg_ctl')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(debian, versions[0], 'bin');
  }
  for (const folder of (process.env.PATH ?? '').split(':')) {
    if (folder && existsSync(join(folder, 'initdb')) && existsSync(join(folder, 'pg_ctl'))) return folder;
  }
  return undefined;
}

/** Why the PostgreSQL tests cannot run here, or undefined when they can. */
export function postgresUnavailable(): string | undefined {
  if (!findPostgresBinaries())
    return 'PostgreSQL is not installed (no initdb/pg_ctl in /usr/lib/postgresql/*/bin or PATH): apt-get install postgresql to run the PostgreSQL store tests';
  if (process.getuid?.() === 0) {
    try {
      execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    } catch {
      return 'running as root without a "postgres" user to run the PostgreSQL server as';
    }
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts a cluster; PostgreSQL refuses to run as root, so as root it runs as the `postgres` user. */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = findPostgresBinaries();
  if (!bin) throw new Error(postgresUnavailable());
  const asRoot = process.getuid?.() === 0;
  const folder = mkdtempSync(join(tmpdir(), 'pyramid-pg-'));
  const data = join(folder, 'data');
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(folder, uid, gid);
    chmodSync(folder, 0o700);
  }
  const as = (command: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, command), ...args])
      : run(join(bin, command), args);
  await as('initdb', ['-D', data, '-A', 'trust', '-U', 'pyramid', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const settings = [
    `-k ${folder}`,
    `-p ${port}`,
    "-c listen_addresses=''",
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
    '-c shared_buffers=32MB',
  ].join(' ');
  await as('pg_ctl', [
    '-D',
    data,
    '-o',
    settings,
    '-l',
    join(folder, 'server.log'),
    '-w',
    '-t',
    '120',
    'start',
  ]);
  const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  // Whatever ends the test process, the server goes with it (SIGQUIT: immediate shutdown).
  const onExit = () => {
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {}
  };
  process.on('exit', onExit);
  const urlFor = (database: string) =>
    `postgresql://pyramid@localhost/${database}?host=${encodeURIComponent(folder)}&port=${port}`;
  const url = urlFor('postgres');
  let databases = 0;
  let stopped = false;
  return {
    url,
    async createDatabase({ template } = {}) {
      const name = `test_${process.pid}_${++databases}`;
      const from = template === undefined ? '' : ` TEMPLATE ${new URL(template).pathname.slice(1)}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}${from}`);
      } finally {
        await client.end();
      }
      return urlFor(name);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off('exit', onExit);
      await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => onExit());
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
