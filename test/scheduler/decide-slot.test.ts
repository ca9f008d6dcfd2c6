import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobConfig } from '../../src/contracts/pyramid-config.ts';
import type { StoredJob } from '../../src/contracts/scheduler-store.ts';
import { decideSlot } from '../../src/scheduler/decide-slot.ts';
import { jobSlots } from '../../src/scheduler/job-slots.ts';
import { testJob } from './scheduler-harness.ts';

const minute = 60_000;
const every = { kind: 'every', everyMs: minute } as const;

function stored(definition: JobConfig, nextRunAt: number): StoredJob {
  return { id: definition.id, source: 'store', definition, nextRunAt, createdAt: 0, updatedAt: 0 };
}

function decide(
  definition: JobConfig,
  now: number,
  context: { busy?: boolean; minIntervalMs?: number } = {},
) {
  return decideSlot(stored(definition, 10 * minute), now, {
    slots: jobSlots(definition.schedule),
    minIntervalMs: context.minIntervalMs ?? 0,
    graceMs: minute,
    busy: context.busy ?? false,
  });
}

test('a slot due now is claimed on schedule, and the next slot is the one after it', () => {
  assert.deepEqual(decide(testJob('j', 'a', every), 10 * minute + 5), {
    kind: 'claim',
    slotTime: 10 * minute,
    trigger: 'schedule',
    nextRunAt: 11 * minute,
    skip: false,
  });
});

test('slots missed since the stored one collapse into the latest: on schedule within the grace window, else a catch-up', () => {
  assert.deepEqual(decide(testJob('j', 'a', every), 32 * minute + 5), {
    kind: 'claim',
    slotTime: 32 * minute,
    trigger: 'schedule',
    nextRunAt: 33 * minute,
    skip: false,
  });
  const hourly = testJob('h', 'a', { kind: 'every', everyMs: 60 * minute });
  assert.deepEqual(decide(hourly, 3 * 60 * minute + 5 * minute), {
    kind: 'claim',
    slotTime: 3 * 60 * minute,
    trigger: 'catch-up',
    nextRunAt: 4 * 60 * minute,
    skip: false,
  });
});

test('a missed slot of a catchUp: skip job only moves its next slot', () => {
  const hourly = testJob('h', 'a', { kind: 'every', everyMs: 60 * minute }, { catchUp: 'skip' });
  assert.deepEqual(decide(hourly, 3 * 60 * minute + 5 * minute), {
    kind: 'move',
    nextRunAt: 4 * 60 * minute,
  });
});

test('a busy job is claimed as skipped under overlap: skip, and as a run under overlap: queue', () => {
  const now = 10 * minute + 5;
  assert.equal((decide(testJob('j', 'a', every), now, { busy: true }) as { skip: boolean }).skip, true);
  const queue = testJob('q', 'a', every, { overlap: 'queue' });
  assert.equal((decide(queue, now, { busy: true }) as { skip: boolean }).skip, false);
});

test('scheduler.minInterval puts the next slot no sooner than that after the claimed one', () => {
  const decision = decide(testJob('j', 'a', every), 10 * minute + 5, { minIntervalMs: 5 * minute });
  assert.equal(decision.nextRunAt, 15 * minute);
});
