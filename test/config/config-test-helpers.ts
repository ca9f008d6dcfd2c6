import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/config/parse-config.ts';
import { ConfigError, type ConfigIssue } from '../../src/contracts/errors/config-error.ts';

/** The contract example from the brief, verbatim. */
export const contractYaml = readFileSync(new URL('./fixtures/contract.yaml', import.meta.url), 'utf8');

/** The issues of the ConfigError that parsing `text` throws (fails the test when it does not throw one). */
export function configIssues(text: string, env: Record<string, string> = {}): ConfigIssue[] {
  try {
    parseConfig(text, { env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.issues;
  }
  assert.fail('expected the config to be rejected');
}

/** The one issue at `path`, failing when there is none. */
export function issueAt(issues: ConfigIssue[], path: string): ConfigIssue {
  const found = issues.find((issue) => issue.path === path);
  assert.ok(
    found,
    `no issue at ${path}; got:\n${issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n')}`,
  );
  return found;
}

/** A small valid config; tests change one thing in it. */
export const minimalYaml = `providers:
  local: { api: ollama }
models:
  small: { provider: local, id: "qwen3:14b", cost: { input: 0, output: 0 } }
tiers:
  - [small]
`;
