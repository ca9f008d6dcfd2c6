// Half-open trials for the platform, at the seams: the board asks its `trials` before a trial call
// goes out, a failed trial's reopening is told apart from an opening, and SharedBreakers hears a
// reopening as the outage it already alerted.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BreakerStateStore, SharedBreakerState } from '../../src/contracts/breaker-state-store.ts';
import { BreakerBoard, type BreakerTrials } from '../../src/router/breaker-board.ts';
import { SharedBreakers } from '../../src/router/shared-breakers.ts';

const config = { failureThreshold: 1, cooldownMs: 1000, maxCooldownMs: 60_000 };

/** Opens `model` on `board` at time 0 (retry at 1000). */
async function openAt0(board: BreakerBoard, model: string) {
  const permit = await board.acquire(model, 0, 5000);
  board.get(model).recordFailure(0, 'unreachable', { immediate: true, permit: permit! });
}

describe('the breaker board and the platform trial', () => {
  test('a trial another process holds: skipped until the given time, then asked again; a won claim sends it', async () => {
    const asked: string[] = [];
    let answer: Awaited<ReturnType<BreakerTrials['claim']>> = { won: false, retryAt: 1600 };
    const board = new BreakerBoard(config, {
      trials: {
        claim: async (model, now, trialMs) => {
          asked.push(`${model} ${now} ${trialMs}`);
          return answer;
        },
      },
    });
    await openAt0(board, 'm');
    assert.deepEqual(asked, [], 'a closed breaker asks nobody');
    assert.equal(await board.acquire('m', 500, 5000), undefined, 'open: skipped without asking');
    assert.equal(await board.acquire('m', 1000, 5000), undefined, 'the trial is elsewhere');
    assert.deepEqual(asked, ['m 1000 5000']);
    assert.equal(board.snapshot('m', 1200).state, 'open', 'not half-open here while it is out');
    assert.equal(board.snapshot('m', 1200).probeInFlight, false);
    assert.equal(await board.acquire('m', 1200, 5000), undefined);
    assert.equal(asked.length, 1, 'not asked again before the time given');
    answer = { won: true };
    assert.equal((await board.acquire('m', 1600, 5000))?.kind, 'probe');
    assert.equal(await board.acquire('m', 1601, 5000), undefined, 'one trial at a time here too');
  });

  test('a claim the store cannot answer lets the trial go', async () => {
    const board = new BreakerBoard(config, {
      trials: {
        claim: async () => {
          throw new Error('store unreachable');
        },
      },
    });
    await openAt0(board, 'm');
    assert.equal((await board.acquire('m', 1000, 5000))?.kind, 'probe');
  });

  test('onChange hears the opening and the closing; onReopen the failed trial, with its doubled cool-down', async () => {
    const heard: string[] = [];
    const board = new BreakerBoard(config, {
      onChange: (model, state) => heard.push(`${model} ${state}`),
      onReopen: (model, retryAt, reason) => heard.push(`${model} reopened until ${retryAt}: ${reason}`),
    });
    await openAt0(board, 'm');
    const trial = await board.acquire('m', 1000, 5000);
    board.get('m').recordFailure(1000, 'server_error:503', { permit: trial! });
    const second = await board.acquire('m', 3000, 5000);
    board.get('m').recordSuccess(second!);
    assert.deepEqual(heard, ['m open', 'm reopened until 3000: server_error:503', 'm closed']);
  });
});

describe('SharedBreakers and reopenings', () => {
  test('a reopening keeps the outage epoch: heard once however often it reopens; a new outage is heard again', async () => {
    let states: SharedBreakerState[] = [];
    const store: BreakerStateStore = {
      transition: async () => undefined,
      list: async () => states,
      claim: async () => true,
      claimTrial: async () => ({ won: true }),
    };
    const heard: string[] = [];
    const board = new BreakerBoard(config);
    const shared = new SharedBreakers({
      board,
      store,
      owner: 'a',
      isModel: () => true,
      onChange: (model, state, _reason, epoch) => heard.push(`${model} ${state} ${epoch}`),
      now: () => 0,
    });
    const open = (epoch: number, openedEpoch: number, retryAt: number): SharedBreakerState => ({
      model: 'm',
      state: 'open',
      epoch,
      openedEpoch,
      retryAt,
      reason: 'unreachable',
      changedBy: 'b',
      changedAt: 0,
    });
    states = [open(3, 3, 1000)];
    await shared.poll();
    states = [open(4, 3, 3000)];
    await shared.poll();
    assert.equal(board.snapshot('m', 0).retryAt, 3000, 'the reopening is applied');
    states = [open(5, 3, 7000)];
    await shared.poll();
    states = [{ model: 'm', state: 'closed', epoch: 6, changedBy: 'b', changedAt: 0 }];
    await shared.poll();
    states = [open(7, 7, 9000)];
    await shared.poll();
    assert.deepEqual(heard, ['m open 3', 'm closed 6', 'm open 7']);
  });

  test('a trial in flight elsewhere is asked about again within trialRecheckMs; a later retry time is kept whole', async () => {
    let claim: Awaited<ReturnType<BreakerStateStore['claimTrial']>> = {
      won: false,
      retryAt: 60_000,
      trialInFlight: true,
    };
    const store: BreakerStateStore = {
      transition: async () => undefined,
      list: async () => [],
      claim: async () => true,
      claimTrial: async () => claim,
    };
    const shared = new SharedBreakers({
      board: new BreakerBoard(config),
      store,
      owner: 'a',
      isModel: () => true,
      onChange: () => {},
      trialRecheckMs: 500,
    });
    assert.deepEqual(await shared.trials.claim('m', 1000, 5000), { won: false, retryAt: 1500 });
    claim = { won: false, retryAt: 60_000, trialInFlight: false };
    assert.deepEqual(await shared.trials.claim('m', 1000, 5000), { won: false, retryAt: 60_000 });
  });
});
