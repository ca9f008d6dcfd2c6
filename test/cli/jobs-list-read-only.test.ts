import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, test } from 'node:test';
import { offlinePyramidYaml } from './offline-pyramid-yaml.ts';
import { runPyramid } from './run-pyramid.ts';

let home: string;
before(async () => {
  home = await mkdtemp(join(tmpdir(), 'pyramid-jobs-list-'));
  await writeFile(
    join(home, 'pyramid.yaml'),
    offlinePyramidYaml(`
agents:
  - { id: sorter, prompt: "Sort the inbox." }
jobs:
  - { id: sort-inbox, agent: sorter, schedule: { every: 1m }, payload: { kind: agentTurn, message: "sort" } }
  - { id: sort-again, agent: sorter, schedule: { cron: "*/5 * * * *" }, payload: { kind: agentTurn, message: "again" } }
`),
  );
});
after(() => rm(home, { recursive: true, force: true }));

test('jobs list is read-only: it shows the config jobs with their next run but stores no slot a first start would find missed', async () => {
  const { code, stdout, stderr } = await runPyramid(['jobs', 'list', '--json'], { PYRAMID_HOME: home });
  assert.equal(code, 0, stderr);
  const jobs = JSON.parse(stdout) as { id: string; nextRunAt?: number }[];
  assert.deepEqual(
    jobs.map((job) => job.id),
    ['sort-again', 'sort-inbox'],
  );
  assert.ok(
    jobs.every((job) => typeof job.nextRunAt === 'number'),
    'each has a next run',
  );
  const file = join(home, 'pyramid.db');
  if (existsSync(file)) {
    const db = new DatabaseSync(file);
    const stored = (db.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number }).n;
    db.close();
    assert.equal(stored, 0, 'no job (and so no slot) was written');
  }
});
