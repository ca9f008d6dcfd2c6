import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config.ts';
import { parseConfig } from '../../src/config/parse-config.ts';
import { starterConfigText } from '../../src/config/starter-config-text.ts';
import { writeStarterConfig } from '../../src/config/write-starter-config.ts';
import { PyramidError } from '../../src/contracts/errors/pyramid-error.ts';

const folder = await mkdtemp(join(tmpdir(), 'pyramid-starter-'));
after(() => rm(folder, { recursive: true, force: true }));

describe('starterConfigText', () => {
  it('validates with no environment variables and no warnings; cloud providers are unavailable', () => {
    const { config, warnings } = parseConfig(starterConfigText, { env: {} });
    assert.deepStrictEqual(warnings, []);
    assert.deepStrictEqual(config.tiers, [['qwen3-14b'], ['gemini-flash'], ['deepseek-v3'], ['claude-opus']]);
    assert.equal(config.providers.ollama.unavailableReason, undefined);
    assert.equal(config.providers.gemini.unavailableReason, 'env:GEMINI_API_KEY is not set');
    assert.equal(config.models['qwen3-14b'].minOutputTokens, 1024);
    assert.equal(config.tasks.strategy.tier, 3);
  });

  it('has a comment before every section and notes the seed lessons', () => {
    const lines = starterConfigText.split('\n');
    for (const section of ['providers:', 'models:', 'tiers:', 'tasks:', '# router:', '# budgets:']) {
      const index = lines.indexOf(section);
      assert.ok(index > 0, `${section} present`);
      assert.match(lines[index - 1], /^#/, `${section} is preceded by a comment`);
    }
    assert.match(starterConfigText, /api: undefined/);
    assert.match(starterConfigText, /500/);
  });

  it('still validates with the commented-out router and budgets switched on', () => {
    const uncommented = starterConfigText.replace(
      /^# ( {0,2}(router|budgets|maxTier|breaker|daily|perTag|onExceeded|capTier)\b)/gm,
      '$1',
    );
    assert.notEqual(uncommented, starterConfigText);
    const { config } = parseConfig(uncommented, { env: {} });
    assert.equal(config.router.maxTier, 3);
    assert.deepStrictEqual(config.budgets, {
      dailyUsd: 5,
      perTag: { 'newsletter-agent': 0.5 },
      onExceeded: 'cap-tier',
      capTier: 0,
    });
  });
});

/** The starter text with the commented-out `# <section>:` example block switched on. */
function uncommentBlock(text: string, section: string): string {
  const lines = text.split('\n');
  const start = lines.indexOf(`# ${section}:`);
  assert.ok(start > 0, `# ${section}: present`);
  for (let index = start; index === start || lines[index]?.startsWith('#  '); index++) {
    lines[index] = lines[index].slice(2);
  }
  return lines.join('\n');
}

describe('starterConfigText examples', () => {
  it('shows a gateway section with env: tokens that validates when switched on, with no variables set', () => {
    const text = uncommentBlock(starterConfigText, 'gateway');
    const { config, warnings } = parseConfig(text, { env: {} });
    assert.deepStrictEqual(warnings, []);
    assert.equal(config.gateway?.port, 18789);
    assert.deepStrictEqual(
      config.gateway?.auth.tokens.map((token) => [token.name, token.scopes, token.unavailableReason]),
      [
        ['ops', ['admin'], 'env:PYRAMID_ADMIN_TOKEN is not set'],
        ['support-bot', ['client'], 'env:PYRAMID_CLIENT_TOKEN is not set'],
      ],
    );
  });

  it('shows channels and alerts that validate when switched on, with no variables set', () => {
    const text = uncommentBlock(uncommentBlock(starterConfigText, 'channels'), 'alerts');
    const { config, warnings } = parseConfig(text, { env: {} });
    assert.deepStrictEqual(warnings, []);
    assert.deepStrictEqual(Object.keys(config.channels ?? {}), ['tg', 'team', 'hook', 'log']);
    assert.deepStrictEqual(config.alerts?.targets, [{ channel: 'tg', to: '123456789' }]);
  });

  it('shows the retention defaults, which validate when switched on and equal leaving it out', () => {
    const { config, warnings } = parseConfig(uncommentBlock(starterConfigText, 'retention'), { env: {} });
    assert.deepStrictEqual(warnings, []);
    assert.deepStrictEqual(config.retention, parseConfig(starterConfigText, { env: {} }).config.retention);
  });
});

describe('writeStarterConfig', () => {
  it('creates the folder and writes a file loadConfig accepts, readable only by its owner', async () => {
    const file = join(folder, 'home', 'pyramid.yaml');
    await writeStarterConfig(file);
    assert.equal(await readFile(file, 'utf8'), starterConfigText);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const { warnings } = await loadConfig({ file, env: {} });
    assert.deepStrictEqual(warnings, []);
  });

  it('refuses to overwrite an existing file, and overwrites it when forced', async () => {
    const file = join(folder, 'existing.yaml');
    await writeFile(file, 'mine: true\n');
    await assert.rejects(writeStarterConfig(file), (error: unknown) => {
      assert.ok(error instanceof PyramidError);
      assert.equal(error.code, 'config_exists');
      assert.match(error.message, /already exists; use --force/);
      return true;
    });
    assert.equal(await readFile(file, 'utf8'), 'mine: true\n');
    await writeStarterConfig(file, { force: true });
    assert.equal(await readFile(file, 'utf8'), starterConfigText);
  });
});
