import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runPyramid } from './run-pyramid.ts';

// Nothing listens on port 9: every case below must be refused before a model is called.
const pyramidYaml = `
providers:
  local: { api: ollama, baseUrl: "http://127.0.0.1:9" }
models:
  small: { provider: local, id: "small", cost: { input: 0, output: 0 } }
  large: { provider: local, id: "large", cost: { input: 0, output: 0 } }
tiers:
  - [small]
  - [large]
`;

describe('pyramid CLI usage errors exit 64 and name the flag', () => {
  let home: string;
  let env: Record<string, string>;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-cli-usage-'));
    await writeFile(join(home, 'pyramid.yaml'), pyramidYaml);
    env = { PYRAMID_HOME: home };
  });

  after(() => rm(home, { recursive: true, force: true }));

  test('ask --reasoning accepts only off, low, medium, high', async () => {
    const run = await runPyramid(['ask', 'hi', '--reasoning', 'max'], env);
    assert.equal(run.code, 64);
    assert.match(run.stderr, /--reasoning/);
    assert.match(run.stderr, /off, low, medium, high/);
  });

  test('ask --tier beyond the last tier names the flag and the tier range', async () => {
    const run = await runPyramid(['ask', 'hi', '--tier', '5'], env);
    assert.equal(run.code, 64);
    assert.match(run.stderr, /--tier 5 does not exist: tiers go from 0 to 1/);
  });

  test('ask --model with a name the config lacks is bad usage, listing the valid names', async () => {
    const run = await runPyramid(['ask', 'hi', '--model', 'nope'], env);
    assert.equal(run.code, 64);
    assert.match(run.stderr, /unknown model "nope"; valid: small, large/);
  });

  test('usage --since with an unreadable window names the flag', async () => {
    const [run, today] = await Promise.all([
      runPyramid(['usage', '--since', 'yesterday'], env),
      runPyramid(['usage', '--since', 'today', '--json'], env),
    ]);
    assert.equal(run.code, 64);
    assert.match(run.stderr, /--since: invalid since "yesterday"/);
    assert.equal(today.code, 0, today.stderr);
    assert.equal(JSON.parse(today.stdout).totals.requests, 0);
  });

  test('runs and deliveries --limit take a whole number of 1 or more, and say so', async () => {
    const cases = [
      ['runs', 'x'],
      ['runs', '0'],
      ['deliveries', '2.5'],
    ] as const;
    // Each case is its own CLI child (a Node start): they run side by side.
    const [ok, ...runs] = await Promise.all([
      runPyramid(['runs', '--limit', '3', '--json'], env),
      ...cases.map(([command, value]) => runPyramid([command, '--limit', value], env)),
    ]);
    cases.forEach(([command, value], index) => {
      assert.equal(runs[index].code, 64, `${command} --limit ${value}`);
      assert.match(
        runs[index].stderr,
        new RegExp(`--limit takes a whole number of 1 or more, not "${value}"`),
      );
    });
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), []);
  });

  test('ask number flags refuse an empty, hexadecimal or unsafe number as bad usage, never calling a model', async () => {
    const cases = [
      ['--max-tokens', '99999999999999999999'],
      ['--max-tokens', '0'],
      ['--tier', ''],
      ['--max-tier', '0x1'],
    ] as const;
    const runs = await Promise.all(cases.map(([flag, value]) => runPyramid(['ask', 'hi', flag, value], env)));
    cases.forEach(([flag, value], index) => {
      const run = runs[index];
      assert.equal(run.code, 64, `${flag} ${value}: ${run.stderr}`);
      assert.match(run.stderr, new RegExp(`${flag} takes a whole number`));
      assert.doesNotMatch(run.stderr, /internal error|every candidate failed/);
    });
  });

  test('usage --since further back than a date can be is bad usage, not an internal error', async () => {
    const run = await runPyramid(['usage', '--since', '99999999999d'], env);
    assert.equal(run.code, 64, run.stderr);
    assert.match(run.stderr, /--since 99999999999d/);
  });
});
