import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseEnvFile } from '../../src/service/load-env-file.ts';
import { runPyramid } from '../cli/run-pyramid.ts';

const pyramidYaml = `
providers:
  cloud: { api: openai-completions, baseUrl: "http://127.0.0.1:9/v1", apiKey: "env:MY_CLOUD_KEY" }
models:
  m: { provider: cloud, id: x, cost: { input: 0, output: 0 } }
tiers:
  - [m]
`;

describe('the env file PYRAMID_HOME/env: secrets for every command, refused when others can read it', () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-env-'));
    await writeFile(join(home, 'pyramid.yaml'), pyramidYaml);
  });
  after(() => rm(home, { recursive: true, force: true }));

  const unavailable = async () => {
    const run = await runPyramid(['config', 'validate', '--json'], { PYRAMID_HOME: home });
    assert.equal(run.code, 0, run.stderr);
    return (JSON.parse(run.stdout) as { unavailable: { provider: string }[] }).unavailable;
  };

  test('an owner-only env file provides the key the config references', async () => {
    assert.deepEqual(
      (await unavailable()).map((entry) => entry.provider),
      ['cloud'],
    );
    await writeFile(join(home, 'env'), '# keys\nexport MY_CLOUD_KEY="sk-from-the-env-file"\n', {
      mode: 0o600,
    });
    assert.deepEqual(await unavailable(), []);
  });

  test('an env file its group or others can read is refused (exit 78), naming the fix, never its values', async () => {
    await writeFile(join(home, 'env'), 'MY_CLOUD_KEY=sk-secret-value\n');
    await chmod(join(home, 'env'), 0o644);
    const run = await runPyramid(['config', 'validate'], { PYRAMID_HOME: home });
    assert.equal(run.code, 78);
    assert.match(
      run.stderr,
      /its group or others can read it \(mode 644\) and it holds secrets: run chmod 600 .*env/,
    );
    assert.doesNotMatch(run.stderr, /sk-secret-value/);
    await chmod(join(home, 'env'), 0o600);
  });

  test('the format: NAME=value, export, quotes, comments; a bad line is named without its text', () => {
    assert.deepEqual(
      parseEnvFile('# c\n\nA=1\nexport B = two words \nC="q #x"\nD=\'s\'\nE=a=b\n', '/h/env'),
      { A: '1', B: 'two words', C: 'q #x', D: 's', E: 'a=b' },
    );
    assert.throws(
      () => parseEnvFile('A=1\nsk-secret-no-equals\n', '/h/env'),
      (error: Error) =>
        /line 2: syntax: expected NAME=value/.test(error.message) && !/sk-secret/.test(error.message),
    );
    assert.throws(() => parseEnvFile('PYRAMID_HOME=/x\n', '/h/env'), /cannot be set in the env file/);
  });

  test('a variable already in the environment wins over the file', async () => {
    await writeFile(join(home, 'env'), 'MY_CLOUD_KEY=\n', { mode: 0o600 });
    // An empty value counts as unset for env: references; the environment's value wins.
    const [fromFile, run] = await Promise.all([
      unavailable(),
      runPyramid(['config', 'validate', '--json'], { PYRAMID_HOME: home, MY_CLOUD_KEY: 'sk-env' }),
    ]);
    assert.deepEqual(
      fromFile.map((entry) => entry.provider),
      ['cloud'],
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual((JSON.parse(run.stdout) as { unavailable: unknown[] }).unavailable, []);
  });
});
