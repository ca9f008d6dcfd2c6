import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Stores } from '../../src/contracts/stores.ts';
import { openInlineStores } from '../../src/store/open-inline-stores.ts';
import { startPyramid } from '../gateway/start-pyramid-process.ts';
import { runRecord as run } from '../scheduler/run-record.ts';
import { offlinePyramidYaml } from './offline-pyramid-yaml.ts';
import { runPyramid } from './run-pyramid.ts';

const day = 86_400_000;

const pyramidYaml = offlinePyramidYaml('retention: { runs: 30d, transcripts: forever, deliveries: forever }');

describe('retention: pyramid prune and pyramid start remove finished history past it', () => {
  let home: string;
  let env: Record<string, string>;
  const withStores = async <T>(work: (stores: Stores) => Promise<T>): Promise<T> => {
    const stores = openInlineStores(join(home, 'pyramid.db'));
    try {
      return await work(stores);
    } finally {
      await stores.close();
    }
  };
  const runIds = () =>
    withStores(async (stores) =>
      (await stores.scheduler.listRuns({ limit: 100 })).map((entry) => entry.id).sort(),
    );

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-prune-'));
    await writeFile(join(home, 'pyramid.yaml'), pyramidYaml);
    env = { PYRAMID_HOME: home };
    const now = Date.now();
    await withStores(async ({ scheduler: store }) => {
      await store.insertRun(run('old-ok', 'ok', now - 40 * day));
      await store.insertRun(run('old-queued', 'queued', now - 40 * day));
      await store.insertRun(run('recent-ok', 'ok', now - day));
    });
    await withStores(async ({ responses }) => {
      // The default retention keeps stored responses 30 days.
      await responses.put({ id: 'resp_old', createdAt: now - 31 * day, conversation: [], response: {} });
      await responses.put({ id: 'resp_recent', createdAt: now - day, conversation: [], response: {} });
    });
  });
  after(() => rm(home, { recursive: true, force: true }));

  test('prune --dry-run counts and removes nothing; prune removes the old finished run only', async () => {
    const dry = await runPyramid(['prune', '--dry-run', '--json'], env);
    assert.equal(dry.code, 0, dry.stderr);
    const report = JSON.parse(dry.stdout);
    assert.equal(report.dryRun, true);
    assert.equal(report.counts.runs, 1);
    assert.equal(report.counts.responses, 1);
    assert.equal(report.cutoffs.transcriptsBefore, null, 'transcripts: forever');
    assert.deepEqual(await runIds(), ['old-ok', 'old-queued', 'recent-ok']);

    const pruned = await runPyramid(['prune'], env);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stdout, /runs +before \d{4}-\d\d-\d\dT\d\d:\d\dZ +1\n/);
    assert.match(pruned.stdout, /transcripts .* +kept forever +-/);
    assert.match(pruned.stdout, /stored responses +before \d{4}-\d\d-\d\dT\d\d:\d\dZ +1\n/);
    assert.equal(await withStores(({ responses }) => responses.get('resp_old')), undefined);
    assert.ok(await withStores(({ responses }) => responses.get('resp_recent')));
    assert.deepEqual(
      await runIds(),
      ['old-queued', 'recent-ok'],
      'a queued run is never pruned, however old',
    );
  });

  test('pyramid start prunes at start and logs what went', async () => {
    await withStores(({ scheduler }) =>
      scheduler.insertRun(run('old-error', 'error', Date.now() - 50 * day)),
    );
    await withStores(({ responses }) =>
      responses.put({ id: 'resp_older', createdAt: Date.now() - 45 * day, conversation: [], response: {} }),
    );
    const started = await startPyramid(env);
    try {
      const deadline = Date.now() + 60_000;
      while (!started.output().includes('pruned history past retention') && Date.now() < deadline)
        await sleep(25);
      const line = started
        .output()
        .split('\n')
        .find((entry) => entry.includes('pruned history past retention'));
      assert.ok(line, `no prune logged within 60 s:\n${started.output()}`);
      assert.equal(JSON.parse(line).runs, 1);
      assert.equal(JSON.parse(line).responses, 1, 'stored responses go like other history');
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
    assert.equal((await runIds()).includes('old-error'), false);
    assert.equal(await withStores(({ responses }) => responses.get('resp_older')), undefined);
  });
});
