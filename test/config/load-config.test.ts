import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config.ts';
import { ConfigError } from '../../src/contracts/errors/config-error.ts';
import { contractYaml } from './config-test-helpers.ts';

const folder = await mkdtemp(join(tmpdir(), 'pyramid-load-'));
after(() => rm(folder, { recursive: true, force: true }));

describe('loadConfig', () => {
  it('reads and resolves a file with the env it is given', async () => {
    const file = join(folder, 'pyramid.yaml');
    await writeFile(file, contractYaml);
    const { config } = await loadConfig({ file, env: { ANTHROPIC_API_KEY: 'an-1' } });
    assert.equal(config.providers.anthropic.apiKey, 'an-1');
    assert.equal(config.providers.gemini.unavailableReason, 'env:GEMINI_API_KEY is not set');
  });

  it('turns a missing file into a ConfigError that says to run pyramid init', async () => {
    const file = join(folder, 'absent.yaml');
    await assert.rejects(loadConfig({ file, env: {} }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.file, file);
      assert.match(error.issues[0].message, /not found: run `pyramid init`/);
      return true;
    });
  });

  it('names the file in errors about its content', async () => {
    const file = join(folder, 'broken.yaml');
    await writeFile(file, 'providers: {}\n');
    await assert.rejects(loadConfig({ file, env: {} }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.ok(error.message.includes(`in ${file}`));
      assert.match(error.message, /line 1: providers: at least one provider is required/);
      return true;
    });
  });

  it('reports an unreadable path (a folder) as a ConfigError', async () => {
    await assert.rejects(loadConfig({ file: folder, env: {} }), ConfigError);
  });

  it('says what to do when the path is a folder, or runs through a file', async () => {
    await assert.rejects(loadConfig({ file: folder, env: {} }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(
        error.issues[0].message,
        /is a folder, not a file: pass --config the path of the YAML file/,
      );
      return true;
    });
    const file = join(folder, 'plain-file');
    await writeFile(file, 'x');
    await assert.rejects(loadConfig({ file: join(file, 'pyramid.yaml'), env: {} }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.issues[0].message, /plain-file is a file, not a folder/);
      return true;
    });
  });
});
