import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normaliseUsage } from '../../src/providers/normalise-usage.ts';

test('reported reasoning is taken out of an output total that includes it', () => {
  const usage = normaliseUsage(
    { input: 100, cachedInput: 30, outputTotal: 50, reasoning: 20 },
    { reasoningText: 'whatever', outputIncludesReasoning: true },
  );
  assert.deepEqual(usage, { input: 100, cachedInput: 30, output: 30, reasoning: 20 });
});

test('unreported reasoning is estimated at ceil(chars / 4) and subtracted when the total includes it', () => {
  const usage = normaliseUsage(
    { input: 10, outputTotal: 40 },
    { reasoningText: 'x'.repeat(41), outputIncludesReasoning: true },
  );
  assert.deepEqual(usage, { input: 10, cachedInput: 0, output: 29, reasoning: 11 });
});

test('the estimate is not subtracted when the output total excludes reasoning', () => {
  const usage = normaliseUsage(
    { input: 10, outputTotal: 40 },
    { reasoningText: 'x'.repeat(8), outputIncludesReasoning: false },
  );
  assert.deepEqual(usage, { input: 10, cachedInput: 0, output: 40, reasoning: 2 });
});

test('the estimate never makes output negative', () => {
  const usage = normaliseUsage(
    { input: 1, outputTotal: 3 },
    { reasoningText: 'x'.repeat(100), outputIncludesReasoning: true },
  );
  assert.deepEqual(usage, { input: 1, cachedInput: 0, output: 0, reasoning: 3 });
});

test('no usage at all is zeros', () => {
  assert.deepEqual(normaliseUsage({}, { reasoningText: 'thought', outputIncludesReasoning: true }), {
    input: 0,
    output: 0,
    reasoning: 0,
    cachedInput: 0,
  });
});
