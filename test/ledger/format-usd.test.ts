import assert from 'node:assert/strict';
import { it } from 'node:test';
import { formatUsd } from '../../src/contracts/format-usd.ts';

it('formatUsd rounds for display by size', () => {
  assert.equal(formatUsd(0), '$0.00');
  assert.equal(formatUsd(12.3456), '$12.35');
  assert.equal(formatUsd(0.21140000000000003), '$0.2114');
  assert.equal(formatUsd(0.0004), '$0.000400');
  assert.equal(formatUsd(-0.94), '-$0.9400');
});
