import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeSqlite, openSqlite } from '../../src/store/open-sqlite.ts';
import { createSqliteSchedulerStore } from '../../src/store/sqlite-scheduler-store.ts';
import { startPyramid } from '../gateway/start-pyramid-process.ts';
import { runRecord as run } from '../scheduler/run-record.ts';
import { offlinePyramidYaml } from './offline-pyramid-yaml.ts';
import { runPyramid } from './run-pyramid.ts';

const day = 86_400_000;

const pyramidYaml = offlinePyramidYaml('retention: { runs: 30d, transcripts: forever, deliveries: forever }');

describe('retention: pyramid prune and pyramid start remove finished history past it', () => {
  let home: string;
  let env: Record<string, string>;
  const withDb = <T>(work: (db: DatabaseSync) => T): T => {
    const db = openSqlite(join(home, 'pyramid.db'));
    try {
      return work(db);
    } finally {
      closeSqlite(db);
    }
  };
  const runIds = () =>
    withDb((db) =>
      createSqliteSchedulerStore(db)
        .listRuns({ limit: 100 })
        .map((entry) => entry.id)
        .sort(),
    );

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-prune-'));
    await writeFile(join(home, 'pyramid.yaml'), pyramidYaml);
    env = { PYRAMID_HOME: home };
    const now = Date.now();
    withDb((db) => {
      const store = createSqliteSchedulerStore(db);
      store.insertRun(run('old-ok', 'ok', now - 40 * day));
      store.insertRun(run('old-queued', 'queued', now - 40 * day));
      store.insertRun(run('recent-ok', 'ok', now - day));
    });
  });
  after(() => rm(home, { recursive: true, force: true }));

  test('prune --dry-run counts and removes nothing; prune removes the old finished run only', async () => {
    const dry = await runPyramid(['prune', '--dry-run', '--json'], env);
    assert.equal(dry.code, 0, dry.stderr);
    const report = JSON.parse(dry.stdout);
    assert.equal(report.dryRun, true);
    assert.equal(report.counts.runs, 1);
    assert.equal(report.cutoffs.transcriptsBefore, null, 'transcripts: forever');
    assert.deepEqual(runIds(), ['old-ok', 'old-queued', 'recent-ok']);

    const pruned = await runPyramid(['prune'], env);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stdout, /runs +before \d{4}-\d\d-\d\dT\d\d:\d\dZ +1\n/);
    assert.match(pruned.stdout, /transcripts .* +kept forever +-/);
    assert.deepEqual(runIds(), ['old-queued', 'recent-ok'], 'a queued run is never pruned, however old');
  });

  test('pyramid start prunes at start and logs what went', async () => {
    withDb((db) =>
      createSqliteSchedulerStore(db).insertRun(run('old-error', 'error', Date.now() - 50 * day)),
    );
    const started = await startPyramid(env);
    try {
      const deadline = Date.now() + 10_000;
      while (!started.output().includes('pruned history past retention') && Date.now() < deadline)
        await sleep(25);
      const line = started
        .output()
        .split('\n')
        .find((entry) => entry.includes('pruned history past retention'));
      assert.ok(line, `no prune logged:\n${started.output()}`);
      assert.equal(JSON.parse(line).runs, 1);
      const resumed = started
        .output()
        .split('\n')
        .find((entry) => entry.includes('resuming work left in the store'));
      assert.ok(resumed, 'the queued run left by the last process is reported');
      assert.equal(JSON.parse(resumed).runs, 1);
    } finally {
      started.child.kill('SIGTERM');
      assert.equal(await started.exited, 0);
    }
    assert.equal(runIds().includes('old-error'), false);
  });
});
