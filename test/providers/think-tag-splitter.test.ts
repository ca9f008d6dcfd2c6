import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createThinkTagSplitter, splitThinkTags } from '../../src/providers/think-tag-splitter.ts';

const whole = '<think>\nThe user wants 6 x 7.\n</think>\n\nIt is 42.';

function splitInPieces(text: string, size: number, options: { opened?: boolean; truncated?: boolean } = {}) {
  const splitter = createThinkTagSplitter(options);
  let answer = '';
  let reasoning = '';
  for (let index = 0; index < text.length; index += size) {
    const out = splitter.push(text.slice(index, index + size));
    answer += out.text;
    reasoning += out.reasoning;
  }
  const rest = splitter.flush(options.truncated);
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

// The chat template wrote `<think>` into the prompt (qwen3, R1 distills behind vLLM or LM Studio
// without a reasoning parser): the output holds only the closing tag.
const opened = 'The user wants 6 x 7.\n</think>\n\nIt is 42.';

test('a block opened by the template, split at every size, never leaks into the answer', () => {
  for (let size = 1; size <= opened.length; size++) {
    assert.deepEqual(
      splitInPieces(opened, size, { opened: true }),
      { answer: 'It is 42.', reasoning: 'The user wants 6 x 7.\n' },
      `piece size ${size}`,
    );
    // A model that writes the opening tag as well is read the same way.
    assert.deepEqual(
      splitInPieces(whole, size, { opened: true }),
      { answer: 'It is 42.', reasoning: '\nThe user wants 6 x 7.\n' },
      `piece size ${size}, with <think>`,
    );
  }
});

test('opened: reasoning is held until </think>, then the answer streams as it comes', () => {
  const splitter = createThinkTagSplitter({ opened: true });
  assert.deepEqual(splitter.push('Thinking about'), { text: '', reasoning: '' });
  assert.deepEqual(splitter.push(' it.</think>\n\nIt'), { text: 'It', reasoning: 'Thinking about it.' });
  assert.deepEqual(splitter.push(' is 42.'), { text: ' is 42.', reasoning: '' });
  assert.deepEqual(splitter.flush(), { text: '', reasoning: '' });
});

test('opened, but no </think> came: an answer without thinking, unless the token limit cut it', () => {
  assert.deepEqual(splitInPieces('It is 42.', 4, { opened: true }), { answer: 'It is 42.', reasoning: '' });
  assert.deepEqual(
    splitInPieces('Still thinking when the budget ran o', 4, { opened: true, truncated: true }),
    {
      answer: '',
      reasoning: 'Still thinking when the budget ran o',
    },
  );
  assert.deepEqual(splitInPieces('<think>Still thinking', 4, { opened: true, truncated: true }), {
    answer: '',
    reasoning: 'Still thinking',
  });
});

test('splitThinkTags reads a whole answer: a </think> with no <think> before it closes a template-opened block', () => {
  assert.deepEqual(splitThinkTags(opened), { text: 'It is 42.', reasoning: 'The user wants 6 x 7.\n' });
  assert.deepEqual(splitThinkTags(whole), { text: 'It is 42.', reasoning: '\nThe user wants 6 x 7.\n' });
  assert.deepEqual(splitThinkTags('No tags, 1 < 2.'), { text: 'No tags, 1 < 2.', reasoning: '' });
  assert.deepEqual(splitThinkTags('Cut short', { opened: true, truncated: true }), {
    text: '',
    reasoning: 'Cut short',
  });
});
