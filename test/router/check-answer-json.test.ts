import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkAnswer } from '../../src/router/check-answer.ts';

const answer = (text: string, finishReason: 'stop' | 'length' = 'stop') => ({
  text,
  toolCalls: [],
  finishReason,
});

describe('checkAnswer with a JSON response format', () => {
  it('an answer cut off at the token limit is invalid JSON even when the part that came parses', () => {
    assert.deepEqual(checkAnswer(answer('12', 'length'), { type: 'json' }), {
      inadequacy: 'invalid_json',
      detail: 'the answer was cut off at the token limit',
    });
    assert.equal(checkAnswer(answer('{"a": [1, 2', 'length'), { type: 'json' }).inadequacy, 'invalid_json');
    assert.deepEqual(checkAnswer(answer('12'), { type: 'json' }), {}, 'complete, it is valid');
    assert.deepEqual(checkAnswer(answer('12', 'length'), undefined), {}, 'text answers are not checked');
  });

  it('a tool-call step is never checked against the format', () => {
    const step = {
      text: '',
      toolCalls: [{ id: '1', name: 'recall', arguments: '{}' }],
      finishReason: 'tool-calls' as const,
    };
    assert.deepEqual(checkAnswer(step, { type: 'json-schema', schema: { type: 'object' } }), {});
  });
});
