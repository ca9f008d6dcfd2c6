import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration } from '../../src/config/parse-duration.ts';

describe('parseDuration', () => {
  it('reads ms, s, m, h and d, decimals, and numbers of milliseconds', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('30d'), 30 * 86_400_000);
    assert.equal(parseDuration(' 2 s '), 2000);
    assert.equal(parseDuration(750), 750);
  });

  it('rejects missing units, unknown units, zero and negatives', () => {
    for (const bad of ['10', '10w', 'soon', '', '-5s', '0s', '0.0001ms']) {
      assert.throws(() => parseDuration(bad), RangeError, bad);
    }
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => parseDuration(bad), RangeError, String(bad));
    }
  });
});
