// `pyramid doctor` on a PostgreSQL store checks the server and its schema (not pyramid.db), and lists
// the processes registered there instead of asking a per-home socket.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openPostgresStores } from '../../../src/store/postgres/open-postgres-stores.ts';
import { offlinePyramidYaml } from '../../cli/offline-pyramid-yaml.ts';
import { runPyramid } from '../../cli/run-pyramid.ts';
import { type PostgresCluster, postgresUnavailable, startPostgresCluster } from './start-postgres-cluster.ts';

const unavailable = postgresUnavailable();
let cluster: PostgresCluster | undefined;
let home: string;
before(async () => {
  if (unavailable) return;
  cluster = await startPostgresCluster();
  home = await mkdtemp(join(tmpdir(), 'pyramid-doctor-pg-'));
  await writeFile(
    join(home, 'pyramid.yaml'),
    offlinePyramidYaml('store: { kind: postgres, url: env:DATABASE_URL }'),
  );
});
after(async () => {
  await cluster?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

type Check = { name: string; status: string; detail: string; fix?: string };
const doctor = async (url: string) => {
  const run = await runPyramid(['doctor', '--json'], { PYRAMID_HOME: home, DATABASE_URL: url });
  const checks = (JSON.parse(run.stdout) as { checks: Check[] }).checks;
  return {
    code: run.code,
    store: checks.find((check) => check.name === 'store'),
    gateway: checks.find((check) => check.name === 'gateway'),
  };
};

test('doctor on a PostgreSQL store: migrated with a live process, not migrated, unreachable', {
  skip: unavailable,
}, async () => {
  const migrated = await (cluster as PostgresCluster).createDatabase();
  const stores = await openPostgresStores(migrated);
  await stores.processes.register({
    id: 'box:4242:abcd',
    host: 'box',
    pid: 4242,
    version: '0.1.0',
    startedAt: Date.now(),
    address: 'http://127.0.0.1:18789',
    heartbeatAt: Date.now(),
  });
  await stores.close();
  const healthy = await doctor(migrated);
  assert.equal(healthy.store?.status, 'ok');
  assert.match(
    healthy.store?.detail ?? '',
    /^PostgreSQL localhost:\d+\/test_\d+_\d+ answers, schema \d+ \(up to date\)$/,
  );
  assert.deepEqual(healthy.gateway, {
    name: 'gateway',
    status: 'ok',
    detail: '1 process on this store: box pid 4242 on http://127.0.0.1:18789',
  });

  const empty = await doctor(await (cluster as PostgresCluster).createDatabase());
  assert.equal(empty.store?.status, 'warn');
  assert.match(empty.store?.detail ?? '', /schema 0 of \d+/);
  assert.equal(empty.store?.fix, 'pyramid migrate (pyramid start does it too)');

  const refused = await doctor('postgresql://pyramid@127.0.0.1:9/nothing');
  assert.equal(refused.code, 1);
  assert.equal(refused.store?.status, 'fail');
  assert.match(refused.store?.detail ?? '', /cannot open the PostgreSQL store 127\.0\.0\.1:9\/nothing/);
  assert.equal(existsSync(join(home, 'pyramid.db')), false, 'no pyramid.db looked for or made');
});
