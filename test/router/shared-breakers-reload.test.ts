import assert from 'node:assert/strict';
import { test } from 'node:test';
import type {
  BreakerChange,
  BreakerStateStore,
  SharedBreakerState,
} from '../../src/contracts/breaker-state-store.ts';
import { BreakerBoard } from '../../src/router/breaker-board.ts';
import { SharedBreakers } from '../../src/router/shared-breakers.ts';

const config = { failureThreshold: 3, cooldownMs: 5000, maxCooldownMs: 60_000 };

/** The platform's table as another process left it: m0 opened there, at epoch 1. */
function platformWithOpen(model: string, now: number): BreakerStateStore {
  const states: SharedBreakerState[] = [
    {
      model,
      state: 'open',
      epoch: 1,
      retryAt: now + 60_000,
      reason: 'unreachable',
      changedBy: 'b',
      changedAt: now,
    },
  ];
  return {
    async transition(_change: BreakerChange) {
      return undefined;
    },
    async list() {
      return states;
    },
    async claim() {
      return false;
    },
    async claimTrial() {
      return { won: true as const };
    },
  };
}

test('after a reload builds a new breaker board, the platform open breaker is applied to it too', async () => {
  const now = 1_000_000;
  const heard: string[] = [];
  const first = new BreakerBoard(config);
  const shared = new SharedBreakers({
    board: first,
    store: platformWithOpen('m0', now),
    owner: 'a',
    isModel: () => true,
    onChange: (model, state, _reason, epoch) => heard.push(`${model} ${state} ${epoch}`),
    now: () => now,
  });
  await shared.poll();
  assert.equal(first.snapshot('m0', now).state, 'open');

  // m0's definition changed in the reload: the new board has a fresh (closed) breaker for it.
  const second = new BreakerBoard(config);
  assert.equal(second.snapshot('m0', now).state, 'closed');
  await shared.useBoard(second);
  assert.equal(second.snapshot('m0', now).state, 'open', 'the platform says m0 is down: skip it here too');
  // The same platform change heard twice carries the same epoch, so its alert claim is already taken.
  assert.deepEqual(heard, ['m0 open 1', 'm0 open 1']);
});
