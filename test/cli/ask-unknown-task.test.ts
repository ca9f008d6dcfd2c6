import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { offlinePyramidYaml } from './offline-pyramid-yaml.ts';
import { runPyramid } from './run-pyramid.ts';

let home: string;
before(async () => {
  home = await mkdtemp(join(tmpdir(), 'pyramid-ask-task-'));
  await writeFile(join(home, 'pyramid.yaml'), offlinePyramidYaml('tasks: { default: 0, classify: 0 }'));
});
after(() => rm(home, { recursive: true, force: true }));

test('ask --task with a task type the config lacks warns, naming the known ones (a typo is not silent)', async () => {
  const typo = await runPyramid(['ask', 'hi', '--task', 'clasify'], { PYRAMID_HOME: home });
  assert.match(
    typo.stderr,
    /warning: unknown task type "clasify" \(known: default, classify\): using "default"/,
  );
  const known = await runPyramid(['ask', 'hi', '--task', 'classify'], { PYRAMID_HOME: home });
  assert.doesNotMatch(known.stderr, /unknown task type/);
});
