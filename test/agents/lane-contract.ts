// The contract of a concurrency lane, kept by the in-memory Lane (SQLite, one process) and by SharedLane
// over PostgreSQL (several processes): the same tests against each.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConcurrencyLane } from '../../src/contracts/concurrency-lane.ts';

export type LaneUnderTest = {
  lane: ConcurrencyLane;
  /** Slots held on the platform now (for a lane in memory: its running tasks). */
  held(): Promise<number>;
  close(): Promise<void>;
};

/** Waits for `check` to hold, polling; fails naming `what` after a generous deadline. */
export async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** Tasks that record when they start and end only when the test opens their gate. */
export function gatedTasks() {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  let running = 0;
  let peak = 0;
  return {
    started,
    get running() {
      return running;
    },
    get peak() {
      return peak;
    },
    task: (name: string) => () => {
      started.push(name);
      running++;
      peak = Math.max(peak, running);
      return new Promise<string>((resolve) =>
        gates.set(name, () => {
          running--;
          resolve(name);
        }),
      );
    },
    open(name: string) {
      const gate = gates.get(name);
      assert.ok(gate, `${name} has started`);
      gate();
    },
  };
}

/** Runs the contract against `open` (a fresh lane of `limit` on an empty store each time). */
export function laneContract(name: string, open: (limit: number) => Promise<LaneUnderTest>): void {
  const withLane = (title: string, limit: number, body: (under: LaneUnderTest) => Promise<void>) =>
    test(`${name}: ${title}`, async () => {
      const under = await open(limit);
      try {
        await body(under);
      } finally {
        await under.close();
      }
    });

  withLane(
    'at most `limit` tasks run at once; the others start first come first served',
    2,
    async (under) => {
      const tasks = gatedTasks();
      const names = ['t0', 't1', 't2', 't3', 't4', 't5'];
      const results = names.map((name) => under.lane.run(tasks.task(name)));
      await until('two tasks started', () => tasks.started.length === 2);
      assert.deepEqual(tasks.started, ['t0', 't1']);
      assert.deepEqual([under.lane.active, under.lane.waiting, await under.held()], [2, 4, 2]);
      for (let next = 2; next < names.length; next++) {
        tasks.open(tasks.started[next - 2]);
        await until(`${names[next]} started`, () => tasks.started.length === next + 1);
        assert.equal(tasks.running, 2, 'a freed slot goes to one waiter');
      }
      tasks.open('t4');
      tasks.open('t5');
      assert.deepEqual(await Promise.all(results), names);
      assert.deepEqual(tasks.started, names, 'in the order they asked');
      assert.equal(tasks.peak, 2);
      assert.deepEqual([under.lane.active, under.lane.waiting, await under.held()], [0, 0, 0]);
    },
  );

  withLane('a task aborted while it waits rejects, never runs, and its turn passes on', 1, async (under) => {
    const tasks = gatedTasks();
    const first = under.lane.run(tasks.task('first'));
    await until('the first task started', () => tasks.started.length === 1);
    const controller = new AbortController();
    const second = under.lane.run(tasks.task('second'), controller.signal);
    const third = under.lane.run(tasks.task('third'));
    assert.equal(under.lane.waiting, 2);
    controller.abort(new Error('the run timed out'));
    await assert.rejects(second, /the run timed out/);
    assert.equal(under.lane.waiting, 1, 'the aborted task no longer waits');
    tasks.open('first');
    await until('the third task started', () => tasks.started.length === 2);
    assert.deepEqual(tasks.started, ['first', 'third'], 'the aborted task never ran');
    assert.equal(await under.held(), 1);
    tasks.open('third');
    assert.deepEqual(await Promise.all([first, third]), ['first', 'third']);
    assert.deepEqual([under.lane.active, under.lane.waiting, await under.held()], [0, 0, 0]);
    const already = AbortSignal.abort(new Error('aborted before asking'));
    await assert.rejects(
      under.lane.run(async () => 'ran', already),
      /aborted before asking/,
    );
    assert.equal(await under.held(), 0);
  });

  withLane('a task that throws frees its slot', 1, async (under) => {
    await assert.rejects(
      under.lane.run(async () => {
        throw new Error('the model failed');
      }),
      /the model failed/,
    );
    assert.equal(await under.held(), 0);
    assert.equal(await under.lane.run(async () => 'next'), 'next');
  });
}
