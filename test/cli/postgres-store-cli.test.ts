import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openPostgresStores } from '../../src/store/postgres/open-postgres-stores.ts';
import {
  type PostgresCluster,
  postgresUnavailable,
  startPostgresCluster,
} from '../store/postgres/start-postgres-cluster.ts';
import { offlinePyramidYaml } from './offline-pyramid-yaml.ts';
import { runPyramid } from './run-pyramid.ts';

const unavailable = postgresUnavailable();

describe('store: { kind: postgres }: the CLI works on PostgreSQL; pyramid migrate', {
  skip: unavailable,
}, () => {
  let cluster: PostgresCluster;
  let home: string;
  let url: string;
  before(async () => {
    cluster = await startPostgresCluster();
    url = await cluster.createDatabase();
    home = await mkdtemp(join(tmpdir(), 'pyramid-pg-cli-'));
    await writeFile(
      join(home, 'pyramid.yaml'),
      offlinePyramidYaml(
        'agents:\n  - { id: a, prompt: "x" }\nstore: { kind: postgres, url: env:DATABASE_URL }',
      ),
    );
  });
  after(async () => {
    await cluster?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  test('migrate applies the schema once, then finds it up to date', async () => {
    const env = { PYRAMID_HOME: home, DATABASE_URL: url };
    const first = await runPyramid(['migrate', '--json'], env);
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout);
    assert.equal(report.store, 'postgres');
    assert.equal(report.from, 0);
    assert.equal(report.to, report.latest);
    assert.doesNotMatch(first.stdout, /pyramid@/, 'the URL user is not printed');
    const again = await runPyramid(['migrate'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /up to date/);
  });

  test('jobs added by the CLI are stored in PostgreSQL, not in pyramid.db', async () => {
    const env = { PYRAMID_HOME: home, DATABASE_URL: url };
    const added = await runPyramid(
      ['jobs', 'add', 'nightly', '--agent', 'a', '--every', '1h', '--message', 'hi'],
      env,
    );
    assert.equal(added.code, 0, added.stderr);
    const listed = await runPyramid(['jobs', 'list', '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(JSON.parse(listed.stdout).some((job: { id: string }) => job.id === 'nightly'));
    assert.equal(existsSync(join(home, 'pyramid.db')), false, 'no SQLite file was made');
    const stores = await openPostgresStores(url, { migrate: false });
    try {
      assert.equal((await stores.scheduler.getJob('nightly'))?.source, 'store');
    } finally {
      await stores.close();
    }
  });

  test('an unset DATABASE_URL is a config error naming store.url (exit 78)', async () => {
    const result = await runPyramid(['usage'], { PYRAMID_HOME: home });
    assert.equal(result.code, 78, result.stderr);
    assert.match(result.stderr, /store\.url/);
    assert.match(result.stderr, /DATABASE_URL is not set/);
  });
});

test('migrate on the default SQLite store reports pyramid.db', async () => {
  const home = await mkdtemp(join(tmpdir(), 'pyramid-sqlite-migrate-'));
  try {
    await writeFile(join(home, 'pyramid.yaml'), offlinePyramidYaml());
    const result = await runPyramid(['migrate', '--json'], { PYRAMID_HOME: home });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.store, 'sqlite');
    assert.equal(report.target, join(home, 'pyramid.db'));
    assert.equal(report.from, 0);
    assert.equal(report.to, report.latest);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
