import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JobSlotsCache } from '../../src/scheduler/job-slots-cache.ts';

test('jobs with the same schedule share one JobSlots; the least recently used is dropped past the limit', () => {
  const cache = new JobSlotsCache(2);
  const hourly = cache.get({ kind: 'cron', cron: '0 * * * *' });
  assert.equal(cache.get({ kind: 'cron', cron: '0 * * * *' }), hourly);
  assert.notEqual(cache.get({ kind: 'cron', cron: '0 * * * *', tz: 'Europe/Berlin' }), hourly);
  assert.equal(hourly.next(Date.UTC(2026, 0, 1, 10, 30)), Date.UTC(2026, 0, 1, 11));
  cache.get({ kind: 'cron', cron: '0 * * * *' });
  cache.get({ kind: 'every', everyMs: 60_000 });
  assert.equal(cache.size, 2);
  assert.equal(cache.get({ kind: 'cron', cron: '0 * * * *' }), hourly, 'recently used, so kept');
});
