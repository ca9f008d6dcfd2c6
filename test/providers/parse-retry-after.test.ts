import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRetryAfter } from '../../src/providers/parse-retry-after.ts';

const now = Date.parse('2025-06-01T12:00:00Z');

test('Retry-After in seconds', () => {
  assert.equal(parseRetryAfter({ 'retry-after': '7' }, now), 7000);
  assert.equal(parseRetryAfter({ 'retry-after': '1.5' }, now), 1500);
});

test('Retry-After as an HTTP date is measured from now, never negative', () => {
  assert.equal(parseRetryAfter({ 'retry-after': 'Sun, 01 Jun 2025 12:00:30 GMT' }, now), 30_000);
  assert.equal(parseRetryAfter({ 'retry-after': 'Sun, 01 Jun 2025 11:00:00 GMT' }, now), 0);
});

test('retry-after-ms wins over Retry-After', () => {
  assert.equal(parseRetryAfter({ 'retry-after-ms': '250', 'retry-after': '7' }, now), 250);
});

test('absent or unreadable headers give undefined', () => {
  assert.equal(parseRetryAfter({}, now), undefined);
  assert.equal(parseRetryAfter({ 'retry-after': 'soon' }, now), undefined);
});
