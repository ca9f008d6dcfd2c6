import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { type Started, startPyramid } from './start-pyramid-process.ts';
import { adminToken, clientToken, gatewayTestYaml } from './start-test-gateway.ts';

describe('reload: watch reloads pyramid start when its config file changes', () => {
  let home: string;
  let local: FakeModelServer;
  let cloud: FakeModelServer;
  let started: Started;
  let file: string;
  const withTask = (task: string) =>
    `${gatewayTestYaml(local, cloud).replace('  summarize: 1\n', `  summarize: 1\n  ${task}: 1\n`)}reload: watch\n`;
  const count = (text: string) => started.output().split(text).length - 1;
  /** Waits (a generous deadline) until the log has more than `seen` lines with `text`. */
  const waitForLog = async (text: string, seen: number) => {
    const deadline = Date.now() + 60_000;
    while (count(text) <= seen) {
      if (Date.now() > deadline) throw new Error(`no new "${text}" in:\n${started.output()}`);
      await sleep(25);
    }
  };
  const tasks = async () =>
    (
      (await (
        await fetch(`${started.url}/v1/models`, { headers: { authorization: `Bearer ${clientToken}` } })
      ).json()) as { data: { id: string }[] }
    ).data
      .map((model) => model.id)
      .filter((id) => id.startsWith('task:'));

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-watch-'));
    [local, cloud] = await Promise.all([
      startFakeModelServer({ api: 'ollama' }),
      startFakeModelServer({ api: 'openai-completions' }),
    ]);
    file = join(home, 'pyramid.yaml');
    await writeFile(file, withTask('first'));
    started = await startPyramid({
      PYRAMID_HOME: home,
      ADMIN_TOKEN: adminToken,
      CLIENT_TOKEN: clientToken,
      CLOUD_KEY: 'sk-cloud',
    });
    await waitForLog('watching the config file', 0);
  });
  after(async () => {
    started.child.kill('SIGTERM');
    await started.exited;
    await Promise.all([local.close(), cloud.close()]);
    await rm(home, { recursive: true, force: true });
  });

  test('a save in place reloads, without a signal', async () => {
    const seen = count('"source":"watch"');
    await writeFile(file, withTask('second'));
    await waitForLog('"source":"watch"', seen);
    assert.ok((await tasks()).includes('task:second'));
  });

  test('a broken save is logged and changes nothing; an editor replacing the file by rename is still seen', async () => {
    const refused = count('config reload refused');
    await writeFile(file, `${withTask('third')}tiers: [oops\n`);
    await waitForLog('config reload refused', refused);
    assert.ok((await tasks()).includes('task:second'), 'the running config stays');
    assert.equal(started.child.exitCode, null, 'a broken save is not fatal');

    // vim and many IDEs write a new file and rename it over the old one.
    const seen = count('"msg":"config reloaded"');
    const temporary = join(home, '.pyramid.yaml.swp');
    await writeFile(temporary, withTask('fourth'));
    await rename(temporary, file);
    await waitForLog('"msg":"config reloaded"', seen);
    assert.ok((await tasks()).includes('task:fourth'));

    // The file is still watched after the rename.
    const again = count('"msg":"config reloaded"');
    await writeFile(file, withTask('fifth'));
    await waitForLog('"msg":"config reloaded"', again);
    assert.ok((await tasks()).includes('task:fifth'));
  });
});
