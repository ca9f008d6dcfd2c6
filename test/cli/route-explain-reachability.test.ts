import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { offlinePyramidYaml } from './offline-pyramid-yaml.ts';
import { runPyramid } from './run-pyramid.ts';

let home: string;
before(async () => {
  home = await mkdtemp(join(tmpdir(), 'pyramid-cli-route-'));
  // The provider cannot be reached (port 9), and nothing probes it in route explain's own process.
  await writeFile(join(home, 'pyramid.yaml'), offlinePyramidYaml(), { mode: 0o600 });
});
after(() => rm(home, { recursive: true, force: true }));

test('route explain says reachability is unknown for a provider nobody has probed, never "available: yes"', async () => {
  const run = await runPyramid(['route', 'explain'], { PYRAMID_HOME: home });
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stdout, /\byes\b/);
  assert.match(run.stdout, /small .*configured, reachability unknown/);
  assert.match(run.stdout, /not probed.*pyramid status/s);
  const json = await runPyramid(['route', 'explain', '--json'], { PYRAMID_HOME: home });
  assert.equal(json.code, 0, json.stderr);
  const plan = JSON.parse(json.stdout) as {
    candidates: { model: string; available: boolean; reachable: unknown }[];
  };
  assert.deepEqual(
    plan.candidates.map(({ model, available, reachable }) => ({ model, available, reachable })),
    [{ model: 'small', available: true, reachable: null }],
  );
});
