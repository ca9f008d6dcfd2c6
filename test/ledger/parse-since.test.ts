import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSince } from '../../src/ledger/parse-since.ts';

const now = Date.UTC(2025, 0, 31, 15, 30, 0);

describe('parseSince', () => {
  it('reads durations back from now', () => {
    assert.equal(parseSince('90s', now), now - 90_000);
    assert.equal(parseSince('30m', now), now - 30 * 60_000);
    assert.equal(parseSince('24h', now), now - 24 * 3_600_000);
    assert.equal(parseSince('7d', now), now - 7 * 86_400_000);
    assert.equal(parseSince('2w', now), now - 14 * 86_400_000);
    assert.equal(parseSince('1.5h', now), now - 5_400_000);
    assert.equal(parseSince(' 24h ', now), now - 24 * 3_600_000);
  });

  it('reads today as UTC midnight', () => {
    assert.equal(parseSince('today', now), Date.UTC(2025, 0, 31));
  });

  it('reads ISO dates and date-times as UTC unless they name an offset', () => {
    assert.equal(parseSince('2025-01-10', now), Date.UTC(2025, 0, 10));
    assert.equal(parseSince('2025-01-10T12:00', now), Date.UTC(2025, 0, 10, 12));
    assert.equal(parseSince('2025-01-10T12:00:30.5Z', now), Date.UTC(2025, 0, 10, 12, 0, 30, 500));
    assert.equal(parseSince('2025-01-10T12:00+02:00', now), Date.UTC(2025, 0, 10, 10));
  });

  it('refuses anything else with a code and the accepted forms', () => {
    for (const bad of [
      '',
      '24',
      'h',
      '24y',
      '-1d',
      '24H',
      '2025-02-30',
      '2025-13-01',
      'yesterday',
      '2025-01-10T25:00',
    ]) {
      assert.throws(
        () => parseSince(bad, now),
        (error: Error & { code?: string }) =>
          error.code === 'invalid_since' && /30m, 24h, 7d/.test(error.message),
        bad,
      );
    }
  });
});
