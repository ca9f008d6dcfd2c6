import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nameSuggester } from '../../src/config/closest-name.ts';
import { parseConfig } from '../../src/config/parse-config.ts';
import { ConfigError } from '../../src/contracts/errors/config-error.ts';
import { minimalYaml } from './config-test-helpers.ts';

const agents = (count: number) =>
  `agents:\n${Array.from({ length: count }, (_, index) => `  - { id: agent-${index}, prompt: "p" }\n`).join('')}`;
const jobs = (agentOf: (index: number) => string, count: number) =>
  `jobs:\n${Array.from(
    { length: count },
    (_, index) =>
      `  - { id: job-${index}, agent: ${agentOf(index)}, schedule: { every: 1h }, payload: { kind: agentTurn, message: m } }\n`,
  ).join('')}`;

function configError(text: string): ConfigError {
  try {
    parseConfig(text, { env: {} });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail('expected a ConfigError');
}

describe('config errors stay readable whatever the size of the file', () => {
  it('5,000 jobs naming unknown agents among 5,000: a few suggestions each, 50 issues printed and the rest counted', () => {
    const error = configError(`${minimalYaml}${agents(5000)}${jobs((index) => `ghost-${index}`, 5000)}`);
    assert.equal(error.issues.length, 5000, 'every issue is kept for machine readers');
    assert.match(
      error.issues[0].message,
      /^unknown agent "ghost-0" \(none of the 5000 agents is close to it\)$/,
    );
    assert.ok(
      error.issues.every((issue) => issue.message.length < 200),
      'no issue lists every agent',
    );
    const lines = error.message.split('\n');
    assert.equal(lines.length, 1 + 50 + 1);
    assert.equal(lines.at(-1), '  ... and 4950 more problems (fix these first)');
    assert.ok(error.message.length < 10_000, `${error.message.length} characters`);
  });

  it('a typo among thousands of agents gets the closest few names, nearest first', () => {
    const error = configError(`${minimalYaml}${agents(5000)}${jobs(() => 'agnet-12', 1)}`);
    assert.equal(
      error.issues[0].message,
      'unknown agent "agnet-12" (did you mean "agent-12" or "agent-1" or "agent-2"?)',
    );
  });

  it('a few agents are still all named', () => {
    const error = configError(`${minimalYaml}${agents(3)}${jobs(() => 'agent-7', 1)}`);
    assert.equal(
      error.issues[0].message,
      'unknown agent "agent-7" (did you mean "agent-0"? known: agent-0, agent-1, agent-2)',
    );
  });

  it('suggestions allow a third of the word in edits (a swap counts as one) and ignore case', () => {
    const suggest = nameSuggester(['local', 'ollama', 'Research', 'deepseek']);
    assert.deepEqual(suggest.closest('loacl'), ['local']);
    assert.deepEqual(suggest.closest('research'), ['Research']);
    assert.deepEqual(suggest.closest('deepsek'), ['deepseek']);
    assert.deepEqual(suggest.closest('anthropic'), []);
    assert.deepEqual(suggest.closest('x'), []);
  });
});
