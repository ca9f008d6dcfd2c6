import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/parse-config.ts';
import { ConfigError } from '../../src/contracts/errors/config-error.ts';
import type { PyramidConfig } from '../../src/contracts/pyramid-config.ts';
import { configIssues, contractYaml, issueAt, minimalYaml } from './config-test-helpers.ts';

const defaultTimeouts = { connectMs: 10_000, firstTokenMs: 60_000, totalMs: 300_000 };

describe('parseConfig: the contract example', () => {
  it('resolves to the expected config', () => {
    const env = {
      GEMINI_API_KEY: 'gm-secret',
      DEEPSEEK_API_KEY: 'ds-secret',
      ANTHROPIC_API_KEY: 'an-secret',
    };
    const { config, warnings } = parseConfig(contractYaml, { env });
    const expected: PyramidConfig = {
      providers: {
        ollama: {
          name: 'ollama',
          api: 'ollama',
          baseUrl: 'http://127.0.0.1:11434',
          headers: {},
          timeouts: defaultTimeouts,
        },
        gemini: {
          name: 'gemini',
          api: 'openai-completions',
          baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai',
          apiKey: 'gm-secret',
          headers: {},
          timeouts: defaultTimeouts,
        },
        deepseek: {
          name: 'deepseek',
          api: 'openai-completions',
          baseUrl: 'https://api.deepseek.com/v1',
          apiKey: 'ds-secret',
          headers: {},
          timeouts: defaultTimeouts,
        },
        anthropic: {
          name: 'anthropic',
          api: 'anthropic-messages',
          baseUrl: 'https://api.anthropic.com/v1',
          apiKey: 'an-secret',
          headers: {},
          timeouts: defaultTimeouts,
        },
      },
      models: {
        'qwen3-14b': {
          name: 'qwen3-14b',
          provider: 'ollama',
          id: 'qwen3:14b',
          reasoning: true,
          minOutputTokens: 1024,
          cost: { input: 0, output: 0, cacheRead: 0 },
        },
        'gemini-flash': {
          name: 'gemini-flash',
          provider: 'gemini',
          id: 'gemini-2.5-flash',
          reasoning: false,
          minOutputTokens: 1024,
          cost: { input: 0.3, output: 2.5, cacheRead: 0.075 },
        },
        'deepseek-v3': {
          name: 'deepseek-v3',
          provider: 'deepseek',
          id: 'deepseek-chat',
          reasoning: false,
          minOutputTokens: 1024,
          cost: { input: 0.27, output: 1.1, cacheRead: 0.07 },
        },
        'claude-opus': {
          name: 'claude-opus',
          provider: 'anthropic',
          id: 'claude-opus-4-1',
          reasoning: false,
          minOutputTokens: 1024,
          cost: { input: 15, output: 75, cacheRead: 1.5 },
        },
      },
      tiers: [['qwen3-14b'], ['gemini-flash'], ['deepseek-v3'], ['claude-opus']],
      tasks: {
        default: { name: 'default', tier: 0 },
        classify: { name: 'classify', tier: 0 },
        summarize: { name: 'summarize', tier: 1 },
        research: { name: 'research', tier: 2 },
        strategy: { name: 'strategy', tier: 3 },
      },
      router: {
        maxTier: 3,
        breaker: { failureThreshold: 3, cooldownMs: 5000, maxCooldownMs: 60_000 },
        failover: { scheduled: { maxWaitMs: 30_000 }, gateway: { maxWaitMs: 0 } },
      },
      gateway: {
        port: 18789,
        bind: '127.0.0.1',
        bodyLimitBytes: 2 * 1024 * 1024,
        limits: { depth: 64, items: 10_000, stringLength: 1_048_576, messages: 4096, tools: 256 },
        connections: { max: 500, headersTimeoutMs: 10_000, bodyTimeoutMs: 30_000, idleTimeoutMs: 5000 },
        allowedHosts: [],
        drainMs: 10_000,
        probeIntervalMs: 30_000,
        probeTimeoutMs: 5000,
        strictParams: false,
        auth: { enabled: true, tokens: [], throttle: { maxFailures: 10, windowMs: 60_000 } },
      },
      concurrency: { agents: 2, subagents: 4 },
      scheduler: { minIntervalMs: 10_000 },
      // The seed's bands, for the dashboard's tier shares.
      targets: [
        { min: 60, max: 70 },
        { min: 15, max: 20 },
        { min: 10, max: 15 },
        { min: 0, max: 5 },
      ],
      agents: {},
      jobs: {},
      alerts: { targets: [], jobFailures: 3, repeatMs: 900_000, maxPerHour: 20, settleMs: 5000 },
      retention: {
        transcriptsMs: 30 * 86_400_000,
        runsMs: 180 * 86_400_000,
        deliveriesMs: 90 * 86_400_000,
        responsesMs: 30 * 86_400_000,
        everyMs: 3_600_000,
      },
      reload: 'manual',
      store: { kind: 'sqlite' },
    };
    assert.deepStrictEqual(config, expected);
    assert.deepStrictEqual(warnings, []);
  });

  it('leaves budgets out when the section is absent', () => {
    const { config } = parseConfig(contractYaml, { env: {} });
    assert.equal('budgets' in config, false);
  });
});

describe('parseConfig: providers.<name>.api', () => {
  it('rejects a missing api at its path, listing the valid values', () => {
    const issues = configIssues(
      minimalYaml.replace('{ api: ollama }', '{ baseUrl: "http://127.0.0.1:11434" }'),
    );
    const issue = issueAt(issues, 'providers.local.api');
    assert.match(issue.message, /required/);
    for (const api of ['openai-completions', 'anthropic-messages', 'google-generative-ai', 'ollama']) {
      assert.ok(issue.message.includes(api), `message lists ${api}: ${issue.message}`);
    }
    assert.equal(issue.line, 2);
  });

  it('rejects an unknown api, suggesting the nearest and listing the valid values', () => {
    const issues = configIssues(minimalYaml.replace('api: ollama', 'api: openai-completion'));
    const issue = issueAt(issues, 'providers.local.api');
    assert.match(issue.message, /unknown api "openai-completion"/);
    assert.match(issue.message, /did you mean "openai-completions"/);
    assert.match(issue.message, /anthropic-messages, google-generative-ai, ollama/);
  });

  it('requires baseUrl except for ollama, which defaults it', () => {
    const noUrl = minimalYaml.replace('{ api: ollama }', '{ api: anthropic-messages }');
    assert.match(
      issueAt(configIssues(noUrl), 'providers.local.baseUrl').message,
      /required for api anthropic-messages/,
    );
    assert.equal(
      parseConfig(minimalYaml, { env: {} }).config.providers.local.baseUrl,
      'http://127.0.0.1:11434',
    );
  });

  it('rejects a baseUrl that is not http(s) and strips a trailing slash', () => {
    const bad = minimalYaml.replace('{ api: ollama }', '{ api: ollama, baseUrl: "ftp://host" }');
    assert.match(issueAt(configIssues(bad), 'providers.local.baseUrl').message, /http/);
    const slash = minimalYaml.replace('{ api: ollama }', '{ api: ollama, baseUrl: "http://gpu-box:11434/" }');
    assert.equal(parseConfig(slash, { env: {} }).config.providers.local.baseUrl, 'http://gpu-box:11434');
  });
});

describe('parseConfig: every problem at once, with lines', () => {
  it('reports schema and cross-reference errors together with their YAML lines', () => {
    const text = [
      'providers:', // 1
      '  local: { api: ollama }', // 2
      '  cloud:', // 3
      '    api: wrong', // 4
      '    baseUrl: "https://example.com"', // 5
      'models:', // 6
      '  small: { provider: loacl, id: x, cost: { input: 0, output: 0 } }', // 7
      '  big:', // 8
      '    provider: cloud', // 9
      '    cost: { input: -1, output: 2 }', // 10
      'tiers:', // 11
      '  - [small, nothing]', // 12
      '  - [small]', // 13
      'tasks:', // 14
      '  research: 5', // 15
      'gatewya: {}', // 16
    ].join('\n');
    const issues = configIssues(text);
    const expected: [string, number, RegExp][] = [
      ['providers.cloud.api', 4, /unknown api "wrong"/],
      ['models.small.provider', 7, /unknown provider "loacl" \(did you mean "local"\?\)/],
      ['models.big.id', 8, /required/],
      ['models.big.cost.input', 10, /negative/],
      ['tiers.0.1', 12, /unknown model "nothing"/],
      ['tiers.1.0', 13, /already in tier 0/],
      ['tasks.research', 15, /tier 5 does not exist: tiers go from 0 to 1/],
      ['gatewya', 16, /unknown key "gatewya"/],
    ];
    for (const [path, line, message] of expected) {
      const issue = issueAt(issues, path);
      assert.equal(issue.line, line, `line of ${path}`);
      assert.match(issue.message, message);
    }
    assert.equal(issues.length, expected.length, JSON.stringify(issues, null, 2));
    assert.deepStrictEqual(
      issues.map((issue) => issue.line),
      [...issues.map((issue) => issue.line)].sort((left, right) => (left ?? 0) - (right ?? 0)),
      'issues are sorted by line',
    );
  });

  it('puts the file name and every issue in the ConfigError message', () => {
    try {
      parseConfig(minimalYaml.replace('api: ollama', 'api: nope').replace('[small]', '[ghost]'), {
        env: {},
        file: '/home/me/.pyramid/pyramid.yaml',
      });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, 'config_invalid');
      assert.equal(error.file, '/home/me/.pyramid/pyramid.yaml');
      assert.match(error.message, /in \/home\/me\/\.pyramid\/pyramid\.yaml/);
      assert.match(error.message, /line 2: providers\.local\.api/);
      assert.match(error.message, /line 6: tiers\.0\.0: unknown model "ghost"/);
    }
  });

  it('reports a YAML syntax error with its line and column', () => {
    const issues = configIssues(
      'providers:\n  local: { api: ollama }\nmodels:\n  small: { provider: local\ntiers: []\n',
    );
    assert.equal(issues.length >= 1, true);
    assert.match(issues[0].message, /^YAML syntax error: .*\(column \d+\)$/);
    assert.equal(typeof issues[0].line, 'number');
    assert.ok(issues[0].line! >= 4, `line ${issues[0].line}`);
  });

  it('reports a duplicate key as a syntax error on its line', () => {
    const issues = configIssues(`${minimalYaml}tiers:\n  - [small]\n`);
    assert.equal(issues[0].line, 7);
    assert.match(issues[0].message, /unique/);
  });

  it('rejects an empty file and points to pyramid init', () => {
    assert.match(configIssues('# nothing yet\n')[0].message, /pyramid init/);
  });

  it('rejects a document that is not a mapping', () => {
    assert.match(configIssues('- a\n- b\n')[0].message, /expected a mapping/);
  });

  it('rejects an unknown top-level key with a suggestion', () => {
    const issue = issueAt(configIssues(`${minimalYaml}taks: { classify: 0 }\n`), 'taks');
    assert.match(issue.message, /unknown key "taks" \(did you mean "tasks"\?\)/);
    assert.equal(issue.line, 7);
  });

  it('rejects unknown keys inside entries, suggesting the known ones', () => {
    const text = minimalYaml.replace('{ api: ollama }', '{ api: ollama, apikey: "env:X" }');
    assert.match(issueAt(configIssues(text), 'providers.local.apikey').message, /did you mean "apiKey"/);
  });

  it('requires providers, models and tiers', () => {
    const issues = configIssues('tasks: { default: 0 }\n');
    for (const path of ['providers', 'models', 'tiers'])
      assert.match(issueAt(issues, path).message, /required/);
  });

  it('treats a section left empty (only comments under it) as absent', () => {
    const { config } = parseConfig(`${minimalYaml}tasks:\n  # none yet\nbudgets:\n`, { env: {} });
    assert.deepStrictEqual(config.tasks, { default: { name: 'default', tier: 0 } });
    assert.equal(config.budgets, undefined);
  });
});

describe('parseConfig: env: secrets', () => {
  const withKey = minimalYaml.replace(
    '{ api: ollama }',
    '{ api: openai-completions, baseUrl: "https://api.deepseek.com/v1", apiKey: "env:DEEPSEEK_API_KEY" }',
  );

  it('marks a provider unavailable when its variable is unset, without failing', () => {
    const { config } = parseConfig(withKey, { env: {} });
    assert.equal(config.providers.local.apiKey, undefined);
    assert.equal(config.providers.local.unavailableReason, 'env:DEEPSEEK_API_KEY is not set');
  });

  it('treats an empty variable as unset', () => {
    const { config } = parseConfig(withKey, { env: { DEEPSEEK_API_KEY: '' } });
    assert.equal(config.providers.local.unavailableReason, 'env:DEEPSEEK_API_KEY is not set');
  });

  it('resolves the key when the variable is set', () => {
    const { config, warnings } = parseConfig(withKey, { env: { DEEPSEEK_API_KEY: 'sk-123' } });
    assert.equal(config.providers.local.apiKey, 'sk-123');
    assert.equal(config.providers.local.unavailableReason, undefined);
    assert.deepStrictEqual(warnings, []);
  });

  it('resolves env: in headers and reports an unset one', () => {
    const text = minimalYaml.replace(
      '{ api: ollama }',
      '{ api: ollama, headers: { X-Org: acme, X-Token: "env:ORG_TOKEN" } }',
    );
    assert.deepStrictEqual(parseConfig(text, { env: { ORG_TOKEN: 't0k' } }).config.providers.local.headers, {
      'X-Org': 'acme',
      'X-Token': 't0k',
    });
    const unset = parseConfig(text, { env: {} }).config.providers.local;
    assert.deepStrictEqual(unset.headers, { 'X-Org': 'acme' });
    assert.equal(unset.unavailableReason, 'env:ORG_TOKEN is not set');
  });

  it('rejects a malformed env: reference', () => {
    const text = minimalYaml.replace('{ api: ollama }', '{ api: ollama, apiKey: "env:my-key" }');
    assert.match(issueAt(configIssues(text), 'providers.local.apiKey').message, /variable name/);
  });

  it('warns about a literal secret without repeating it', () => {
    const text = minimalYaml.replace('{ api: ollama }', '{ api: ollama, apiKey: "sk-live-abcdef" }');
    const { config, warnings } = parseConfig(text, { env: {} });
    assert.equal(config.providers.local.apiKey, 'sk-live-abcdef');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].path, 'providers.local.apiKey');
    assert.equal(warnings[0].line, 2);
    assert.match(warnings[0].message, /literal secret/);
    assert.match(warnings[0].message, /env:LOCAL_API_KEY/);
    assert.ok(!warnings[0].message.includes('sk-live'), 'the secret is not in the message');
  });

  it('never puts a secret value in an error message', () => {
    const text = minimalYaml.replace(
      '{ api: ollama }',
      '{ api: ollama, apiKey: 12345678, headers: { X-Key: 987654 } }',
    );
    for (const issue of configIssues(text)) {
      assert.ok(!issue.message.includes('12345678') && !issue.message.includes('987654'), issue.message);
    }
  });
});

describe('parseConfig: models', () => {
  it('applies defaults: reasoning false, minOutputTokens 1024, cacheRead = input', () => {
    const model = parseConfig(
      minimalYaml.replace('output: 0', 'output: 0, input: 2').replace('input: 0, ', ''),
      {
        env: {},
      },
    ).config.models.small;
    assert.equal(model.reasoning, false);
    assert.equal(model.minOutputTokens, 1024);
    assert.deepStrictEqual(model.cost, { input: 2, output: 0, cacheRead: 2 });
  });

  it('warns when a reasoning model could get under 500 output tokens, naming the empty-answer risk', () => {
    const text = minimalYaml.replace(
      'cost: { input: 0, output: 0 }',
      'reasoning: true, minOutputTokens: 256, maxTokens: 300, cost: { input: 0, output: 0 }',
    );
    const { warnings } = parseConfig(text, { env: {} });
    assert.deepStrictEqual(
      warnings.map((warning) => warning.path),
      ['models.small.minOutputTokens', 'models.small.maxTokens'],
    );
    for (const warning of warnings) {
      assert.match(warning.message, /500/);
      assert.match(warning.message, /empty answers/);
      assert.equal(warning.line, 4);
    }
  });

  it('does not warn about low token settings on a non-reasoning model', () => {
    const text = minimalYaml.replace('cost: {', 'minOutputTokens: 100, maxTokens: 100, cost: {');
    assert.deepStrictEqual(parseConfig(text, { env: {} }).warnings, []);
  });

  it('rejects maxTokens above contextWindow and non-integer token counts', () => {
    const text = minimalYaml.replace(
      'cost: {',
      'maxTokens: 9000, contextWindow: 8192, minOutputTokens: 1.5, cost: {',
    );
    const issues = configIssues(text);
    assert.match(issueAt(issues, 'models.small.maxTokens').message, /contextWindow \(8192\)/);
    assert.match(issueAt(issues, 'models.small.minOutputTokens').message, /whole number/);
  });

  it('requires a cost', () => {
    const text = minimalYaml.replace(', cost: { input: 0, output: 0 }', '');
    assert.match(issueAt(configIssues(text), 'models.small.cost').message, /required/);
  });

  it('allows a model in no tier (pinnable by name)', () => {
    const text = minimalYaml.replace(
      'tiers:',
      '  spare: { provider: local, id: other, cost: { input: 0, output: 0 } }\ntiers:',
    );
    assert.deepStrictEqual(Object.keys(parseConfig(text, { env: {} }).config.models), ['small', 'spare']);
  });
});

describe('parseConfig: tiers, tasks, router and budgets', () => {
  const twoTiers = minimalYaml
    .replace('tiers:', '  large: { provider: local, id: big, cost: { input: 0, output: 0 } }\ntiers:')
    .concat('  - [large]\n');

  it('accepts short and long task forms, and adds default at tier 0', () => {
    const text = `${twoTiers}tasks:\n  classify: 0\n  research: { tier: 1, reasoning: high }\n  draft: { tier: 0, reasoning: off, maxTier: 0 }\n`;
    assert.deepStrictEqual(parseConfig(text, { env: {} }).config.tasks, {
      default: { name: 'default', tier: 0 },
      classify: { name: 'classify', tier: 0 },
      research: { name: 'research', tier: 1, reasoning: 'high' },
      draft: { name: 'draft', tier: 0, reasoning: 'off', maxTier: 0 },
    });
  });

  it('keeps an explicit default task', () => {
    const text = `${twoTiers}tasks:\n  default: 1\n`;
    assert.deepStrictEqual(parseConfig(text, { env: {} }).config.tasks.default, { name: 'default', tier: 1 });
  });

  it('explains a bad long-form task field by field', () => {
    const text = `${twoTiers}tasks:\n  research: { tier: 1, reasoning: extreme, maxTier: 0, tiers: 2 }\n`;
    const issues = configIssues(text);
    assert.match(issueAt(issues, 'tasks.research.reasoning').message, /off, low, medium, high/);
    assert.match(issueAt(issues, 'tasks.research.maxTier').message, /below the task's tier/);
    assert.match(issueAt(issues, 'tasks.research.tiers').message, /did you mean "tier"/);
    assert.match(
      issueAt(configIssues(`${twoTiers}tasks:\n  x: high\n`), 'tasks.x').message,
      /tier number or a mapping/,
    );
  });

  it('rejects task tiers out of range or above router.maxTier', () => {
    const text = `${twoTiers}tasks:\n  a: 2\n  b: { tier: 0, maxTier: 4 }\n  c: 1\nrouter: { maxTier: 0 }\n`;
    const issues = configIssues(text);
    assert.match(issueAt(issues, 'tasks.a').message, /tier 2 does not exist/);
    assert.match(issueAt(issues, 'tasks.b.maxTier').message, /tier 4 does not exist/);
    assert.match(issueAt(issues, 'tasks.c').message, /above router\.maxTier \(0\)/);
    assert.equal(issueAt(issues, 'tasks.c').line, 12);
  });

  it('rejects an empty tier list and an empty tier', () => {
    assert.match(
      issueAt(
        configIssues(minimalYaml.replace('  - [small]\n', '  []\n').replace('tiers:\n', 'tiers:')),
        'tiers',
      ).message,
      /at least one tier/,
    );
    assert.match(issueAt(configIssues(`${minimalYaml}  - []\n`), 'tiers.1').message, /at least one model/);
  });

  it('rejects router.maxTier beyond the last tier and defaults it to the last tier', () => {
    assert.match(
      issueAt(configIssues(`${twoTiers}router: { maxTier: 2 }\n`), 'router.maxTier').message,
      /does not exist/,
    );
    assert.equal(parseConfig(twoTiers, { env: {} }).config.router.maxTier, 1);
    assert.equal(parseConfig(`${twoTiers}router: { maxTier: 0 }\n`, { env: {} }).config.router.maxTier, 0);
  });

  it('resolves breaker durations and rejects maxCooldown below cooldown', () => {
    const text = `${twoTiers}router: { breaker: { failureThreshold: 5, cooldown: 1500ms, maxCooldown: 2m } }\n`;
    assert.deepStrictEqual(parseConfig(text, { env: {} }).config.router.breaker, {
      failureThreshold: 5,
      cooldownMs: 1500,
      maxCooldownMs: 120_000,
    });
    const bad = `${twoTiers}router: { breaker: { cooldown: 10s, maxCooldown: 5s } }\n`;
    assert.match(issueAt(configIssues(bad), 'router.breaker.maxCooldown').message, /at least cooldown/);
  });

  it('resolves router.failover per caller kind over the defaults, and failover on tasks and agents', () => {
    const text = `${twoTiers}router:\n  failover:\n    scheduled: { maxClimb: 1, maxPrice: 20 }\n    gateway: { maxWait: 2s }\ntasks:\n  research: { tier: 1, failover: { maxWait: 0s, maxClimb: 0 } }\nagents:\n  - { id: scout, prompt: look, task: research, failover: { maxWait: 1m } }\n`;
    const { config } = parseConfig(text, { env: {} });
    assert.deepStrictEqual(config.router.failover, {
      scheduled: { maxWaitMs: 30_000, maxClimb: 1, maxPrice: 20 },
      gateway: { maxWaitMs: 2000 },
    });
    assert.deepStrictEqual(config.tasks.research.failover, { maxWaitMs: 0, maxClimb: 0 });
    assert.deepStrictEqual(config.agents?.scout.failover, { maxWaitMs: 60_000 });
    const bad = `${twoTiers}router: { failover: { scheduled: { maxClimb: -1, maxWait: 2h, tiers: 1 } } }\n`;
    const found = configIssues(bad).map((issue) => issue.path);
    assert.ok(found.includes('router.failover.scheduled.maxClimb'), found.join(', '));
    assert.ok(found.includes('router.failover.scheduled.maxWait'), found.join(', '));
  });

  it('resolves provider timeouts from strings and numbers', () => {
    const text = twoTiers.replace(
      '{ api: ollama }',
      '{ api: ollama, timeouts: { connect: 500ms, firstToken: 90000, total: 10m } }',
    );
    assert.deepStrictEqual(parseConfig(text, { env: {} }).config.providers.local.timeouts, {
      connectMs: 500,
      firstTokenMs: 90_000,
      totalMs: 600_000,
    });
    const bad = twoTiers.replace(
      '{ api: ollama }',
      '{ api: ollama, timeouts: { connect: soon, firstToken: 10m, total: 1m } }',
    );
    const issues = configIssues(bad);
    assert.match(issueAt(issues, 'providers.local.timeouts.connect').message, /"500ms", "10s", "5m"/);
  });

  it('rejects a timeout longer than total', () => {
    const bad = twoTiers.replace(
      '{ api: ollama }',
      '{ api: ollama, timeouts: { firstToken: 10m, total: 1m } }',
    );
    assert.match(
      issueAt(configIssues(bad), 'providers.local.timeouts.firstToken').message,
      /longer than total/,
    );
  });

  it('resolves budgets with defaults and checks capTier', () => {
    const text = `${twoTiers}budgets: { daily: 5, perTag: { newsletter: 0.5 } }\n`;
    assert.deepStrictEqual(parseConfig(text, { env: {} }).config.budgets, {
      dailyUsd: 5,
      perTag: { newsletter: 0.5 },
      onExceeded: 'refuse',
      capTier: 0,
    });
    const bad = `${twoTiers}budgets: { daily: -1, onExceeded: cap, capTier: 3 }\n`;
    const issues = configIssues(bad);
    assert.match(issueAt(issues, 'budgets.daily').message, /negative/);
    assert.match(issueAt(issues, 'budgets.onExceeded').message, /refuse or cap-tier/);
    assert.match(issueAt(issues, 'budgets.capTier').message, /tier 3 does not exist/);
  });
});

describe('parseConfig: embeddings', () => {
  const yaml = `providers:
  local: { api: ollama }
  claude: { api: anthropic-messages, baseUrl: "https://api.anthropic.com/v1", apiKey: sk-ant-test }
models:
  small: { provider: local, id: "qwen3:14b", cost: { input: 0, output: 0 } }
  embed: { provider: local, id: nomic-embed-text, cost: { input: 0, output: 0 } }
  sonnet: { provider: claude, id: claude-sonnet-4-5, cost: { input: 3, output: 15 } }
tiers:
  - [small]
`;

  it('refuses a model whose protocol has no embeddings endpoint (anthropic), naming it', () => {
    const issue = issueAt(configIssues(`${yaml}embeddings: [embed, sonnet]\n`), 'embeddings.1');
    assert.match(
      issue.message,
      /model "sonnet" is served by an anthropic-messages provider, which has no embeddings endpoint/,
    );
    assert.match(issue.message, /ollama, openai-completions, google-generative-ai/);
  });

  it('takes models of providers that have one', () => {
    assert.deepEqual(parseConfig(`${yaml}embeddings: [embed]\n`, { env: {} }).config.embeddings, ['embed']);
  });
});

describe('parseConfig: retention', () => {
  const base = minimalYaml;
  const day = 86_400_000;

  it('keeps transcripts 30d, runs 180d, deliveries 90d, stored responses 30d and the ledger forever unless told otherwise', () => {
    assert.deepStrictEqual(parseConfig(base, { env: {} }).config.retention, {
      transcriptsMs: 30 * day,
      runsMs: 180 * day,
      deliveriesMs: 90 * day,
      responsesMs: 30 * day,
      everyMs: 3_600_000,
    });
    const text = `${base}retention: { transcripts: 7d, runs: forever, ledger: 400d, responses: forever, every: 30m }\n`;
    assert.deepStrictEqual(parseConfig(text, { env: {} }).config.retention, {
      transcriptsMs: 7 * day,
      deliveriesMs: 90 * day,
      ledgerMs: 400 * day,
      everyMs: 1_800_000,
    });
    const short = configIssues(`${base}retention: { responses: 1h }\n`);
    assert.match(issueAt(short, 'retention.responses').message, /keep at least 1d/);
  });

  it('refuses a retention under a day or a value that is neither a duration nor forever, naming the field', () => {
    const issues = configIssues(`${base}retention: { runs: 2h, ledger: always, deliveries: 0 }\n`);
    assert.match(issueAt(issues, 'retention.runs').message, /keep at least 1d .* or forever/);
    assert.match(
      issueAt(issues, 'retention.ledger').message,
      /expected a duration such as "30d" or "12h", or forever/,
    );
    assert.match(issueAt(issues, 'retention.deliveries').message, /or forever/);
  });
});

describe('parseConfig: provider ports fetch refuses', () => {
  it('warns at the baseUrl that fetch will not connect to the port, and saves the rest', () => {
    const text = minimalYaml.replace('{ api: ollama }', '{ api: ollama, baseUrl: "http://127.0.0.1:6000" }');
    assert.notEqual(text, minimalYaml);
    const { warnings } = parseConfig(text, { env: {} });
    const warning = issueAt(warnings, 'providers.local.baseUrl');
    assert.match(
      warning.message,
      /port 6000, which fetch refuses to connect to .* serve the provider on another port/,
    );
    assert.deepStrictEqual(parseConfig(minimalYaml, { env: {} }).warnings, []);
  });
});

describe('parseConfig: durations that become timers', () => {
  it('refuses one longer than a Node timer can wait (about 24.8 days), naming the field; a job interval may be longer', () => {
    const jobs = `agents:\n  - { id: a, prompt: "p" }\njobs:\n  - { id: j, agent: a, schedule: { every: 30d }, payload: { kind: agentTurn, message: m }, timeout: 30d }\n`;
    const issues = configIssues(`${minimalYaml}${jobs}retention: { every: 25d, runs: 400d }\n`);
    assert.match(issueAt(issues, 'jobs.0.timeout').message, /at most 24d: Node's timers cannot wait longer/);
    assert.match(issueAt(issues, 'retention.every').message, /at most 24d/);
    assert.equal(
      issues.filter((issue) => issue.path.includes('schedule') || issue.path === 'retention.runs').length,
      0,
    );
    const fine = parseConfig(`${minimalYaml}${jobs.replace('timeout: 30d', 'timeout: 24d')}`, { env: {} });
    assert.equal(fine.config.jobs?.j.schedule.kind, 'every');
  });
});

describe('parseConfig: store', () => {
  const base = minimalYaml;

  it('is SQLite unless told; postgres reads its URL from the environment, with a pool of 10', () => {
    assert.deepStrictEqual(parseConfig(base, { env: {} }).config.store, { kind: 'sqlite' });
    const text = `${base}store: { kind: postgres, url: env:DATABASE_URL }\n`;
    const url = 'postgresql://pyramid:pw@db.internal:5432/pyramid';
    assert.deepStrictEqual(parseConfig(text, { env: { DATABASE_URL: url } }).config.store, {
      kind: 'postgres',
      url,
      poolMax: 10,
      leaseMs: 30_000,
    });
    const pooled = `${base}store: { kind: postgres, url: env:DATABASE_URL, pool: { max: 3 } }\n`;
    assert.equal(
      (parseConfig(pooled, { env: { DATABASE_URL: url } }).config.store as { poolMax: number }).poolMax,
      3,
    );
  });

  it('an unset URL variable is not a config error: the store says why when it is opened', () => {
    const text = `${base}store: { kind: postgres, url: env:DATABASE_URL }\n`;
    assert.deepStrictEqual(parseConfig(text, { env: {} }).config.store, {
      kind: 'postgres',
      unavailableReason: 'env:DATABASE_URL is not set',
      poolMax: 10,
      leaseMs: 30_000,
    });
  });

  it('warns about a password written into the file; refuses an unknown kind or a missing url', () => {
    const literal = `${base}store: { kind: postgres, url: "postgresql://u:secret@host/db" }\n`;
    const { warnings } = parseConfig(literal, { env: {} });
    assert.match(issueAt(warnings, 'store.url').message, /literal password/);
    assert.doesNotMatch(JSON.stringify(warnings), /secret@/);
    assert.ok(issueAt(configIssues(`${base}store: { kind: mysql }\n`), 'store.kind'));
    assert.ok(issueAt(configIssues(`${base}store: { kind: postgres }\n`), 'store.url'));
  });
});

describe('parseConfig: agents http_get switches', () => {
  it('takes host or host:port entries, httpAllowPrivateAddresses (default false) and maxToolCalls (default 8)', () => {
    const agent = (extra: string) =>
      `${minimalYaml}agents:\n  - { id: a, prompt: p, tools: [http_get], ${extra} }\n`;
    const { config } = parseConfig(agent('httpAllowedHosts: [docs.example, "api.example:8443"]'), {
      env: {},
    });
    assert.deepEqual(config.agents?.a.httpAllowedHosts, ['docs.example', 'api.example:8443']);
    assert.equal(config.agents?.a.httpAllowPrivateAddresses, false);
    assert.equal(config.agents?.a.maxToolCalls, 8);
    const on = parseConfig(
      agent('httpAllowedHosts: [x.example], httpAllowPrivateAddresses: true, maxToolCalls: 2'),
      {
        env: {},
      },
    );
    assert.equal(on.config.agents?.a.httpAllowPrivateAddresses, true);
    assert.equal(on.config.agents?.a.maxToolCalls, 2);
    const issues = configIssues(agent('httpAllowedHosts: ["https://x.example/path"], maxToolCalls: 1000'));
    assert.match(issueAt(issues, 'agents.0.httpAllowedHosts.0').message, /expected a host name or host:port/);
    assert.match(issueAt(issues, 'agents.0.maxToolCalls').message, /at most 64/);
  });
});
