import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Lane } from '../../src/agents/lane.ts';

test('a lane task aborted while it waits leaves the queue; the slot passes to the next waiter', async () => {
  const lane = new Lane(1);
  let release = () => {};
  const first = lane.run(() => new Promise<string>((resolve) => (release = () => resolve('first'))));
  const controller = new AbortController();
  let aborted = false;
  const second = lane.run(async () => {
    aborted = true;
    return 'second';
  }, controller.signal);
  const third = lane.run(async () => 'third');
  assert.equal(lane.waiting, 2);
  controller.abort(new Error('timed out'));
  await assert.rejects(second, /timed out/);
  assert.equal(lane.waiting, 1, 'the aborted task no longer waits');
  release();
  assert.deepEqual(await Promise.all([first, third]), ['first', 'third']);
  assert.equal(aborted, false, 'the aborted task never ran');
  assert.deepEqual([lane.active, lane.waiting], [0, 0]);
});
