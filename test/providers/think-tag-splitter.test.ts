import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createThinkTagSplitter } from '../../src/providers/think-tag-splitter.ts';

const whole = '<think>\nThe user wants 6 x 7.\n</think>\n\nIt is 42.';

function splitInPieces(text: string, size: number) {
  const splitter = createThinkTagSplitter();
  let answer = '';
  let reasoning = '';
  for (let index = 0; index < text.length; index += size) {
    const out = splitter.push(text.slice(index, index + size));
    answer += out.text;
    reasoning += out.reasoning;
  }
  const rest = splitter.flush();
  return { answer: answer + rest.text, reasoning: reasoning + rest.reasoning };
}

test('a think block split at every possible size never leaks into the answer', () => {
  for (let size = 1; size <= whole.length; size++) {
    const { answer, reasoning } = splitInPieces(whole, size);
    assert.equal(answer, 'It is 42.', `piece size ${size}`);
    assert.equal(reasoning, '\nThe user wants 6 x 7.\n', `piece size ${size}`);
  }
});

test('text without tags passes through, including a lone < that is not a tag', () => {
  assert.deepEqual(splitInPieces('a < b and <thin ice>', 3), {
    answer: 'a < b and <thin ice>',
    reasoning: '',
  });
});

test('text that ends in what looks like the start of a tag is released by flush', () => {
  const splitter = createThinkTagSplitter();
  assert.deepEqual(splitter.push('x <thi'), { text: 'x ', reasoning: '' });
  assert.deepEqual(splitter.flush(), { text: '<thi', reasoning: '' });
});

test('an unclosed think block (cut by max tokens) stays reasoning', () => {
  assert.deepEqual(splitInPieces('<think>still thinking when the budget ran o', 5), {
    answer: '',
    reasoning: 'still thinking when the budget ran o',
  });
});
