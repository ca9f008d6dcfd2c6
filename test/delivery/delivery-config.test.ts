import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/index.ts';
import { ConfigError } from '../../src/contracts/errors/config-error.ts';

const base = `providers:
  ollama: { api: ollama }
models:
  q: { provider: ollama, id: "q", cost: { input: 0, output: 0 } }
tiers: [[q]]
tasks: { default: 0 }
`;

const contract = `${base}channels:
  tg:   { type: telegram, botToken: "env:TELEGRAM_BOT_TOKEN", apiRoot: "http://127.0.0.1:8081" }
  team: { type: slack, botToken: "env:SLACK_BOT_TOKEN" }
  hook: { type: webhook, url: "https://example.com/pyramid", secret: "env:HOOK_SECRET" }
  log:  { type: file, path: "deliveries.jsonl", footer: true }
alerts: [ { channel: tg, to: 123456789 } ]
`;

function issues(yaml: string): string[] {
  try {
    parseConfig(yaml, { env: {} });
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  assert.fail('expected a ConfigError');
}

describe('config: channels and alerts', () => {
  it('resolves the contract example, tokens from env, unset ones as unavailable', () => {
    const { config, warnings } = parseConfig(contract, {
      env: { TELEGRAM_BOT_TOKEN: '123:tg-secret', HOOK_SECRET: 'hook-secret' },
    });
    assert.deepEqual(config.channels, {
      tg: {
        name: 'tg',
        type: 'telegram',
        header: true,
        footer: false,
        botToken: '123:tg-secret',
        apiRoot: 'http://127.0.0.1:8081',
      },
      team: {
        name: 'team',
        type: 'slack',
        header: true,
        footer: false,
        unavailableReason: 'env:SLACK_BOT_TOKEN is not set',
      },
      hook: {
        name: 'hook',
        type: 'webhook',
        header: true,
        footer: false,
        url: 'https://example.com/pyramid',
        secret: 'hook-secret',
        timeoutMs: 10_000,
      },
      log: { name: 'log', type: 'file', header: true, footer: true, path: 'deliveries.jsonl' },
    });
    assert.deepEqual(config.alerts, {
      targets: [{ channel: 'tg', to: '123456789' }],
      jobFailures: 3,
      repeatMs: 900_000,
      maxPerHour: 20,
      settleMs: 5000,
    });
    assert.deepEqual(warnings, []);
  });

  it('takes alerts as an object with limits', () => {
    const { config } = parseConfig(
      `${base}channels: { log: { type: file, path: a.jsonl } }\nalerts: { targets: [log], jobFailures: 5, repeat: 1h, maxPerHour: 3, settle: 10s }\n`,
      { env: {} },
    );
    assert.deepEqual(config.alerts, {
      targets: [{ channel: 'log' }],
      jobFailures: 5,
      repeatMs: 3_600_000,
      maxPerHour: 3,
      settleMs: 10_000,
    });
  });

  it('reports an unknown channel type, an unknown channel and a chat target without to', () => {
    const found = issues(
      `${base}channels:\n  tg: { type: telegram, botToken: "env:T" }\n  p: { type: pigeon }\nalerts: [ { channel: tgg, to: 1 }, { channel: tg } ]\n`,
    );
    assert.deepEqual(found, [
      'channels.p.type: expected a channel with type one of telegram, slack, webhook, file',
      'alerts.0.channel: unknown channel "tgg" (did you mean "tg"?): configured channels are tg, p',
      'alerts.1: a telegram target needs to: (the chat id)',
    ]);
  });

  it('warns about a literal bot token', () => {
    const { warnings } = parseConfig(
      `${base}channels: { tg: { type: telegram, botToken: "123:literal" } }\n`,
      { env: {} },
    );
    assert.match(warnings[0]?.message ?? '', /literal secret/);
    assert.doesNotMatch(JSON.stringify(warnings), /123:literal/);
  });
});
