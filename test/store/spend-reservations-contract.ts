// The contract of spend-cap reservations, kept by the router's in-process implementation (SQLite, one
// process) and by PostgreSQL's (several processes): the same tests against each.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LedgerRequestRow, LedgerStore } from '../../src/contracts/ledger-store.ts';
import type {
  SpendHold,
  SpendReservationStore,
  SpendScope,
} from '../../src/contracts/spend-reservation-store.ts';

export type SpendUnderTest = {
  ledger: LedgerStore;
  spend: SpendReservationStore;
  /** Another process's view of the same reservations (a second pool), where they are shared. */
  other?: SpendReservationStore;
  close(): Promise<void>;
};

const day = '2025-03-04';
const dayStartMs = Date.parse(`${day}T00:00:00Z`);
const now = dayStartMs + 3_600_000;

const request = (id: string, startedAt: number, costUsd: number, callerTag?: string): LedgerRequestRow => ({
  requestId: id,
  task: 'classify',
  resolvedTask: 'classify',
  ...(callerTag ? { callerTag } : {}),
  startedAt,
  finishedAt: startedAt + 5,
  outcome: 'ok',
  model: 'm1',
  tier: 1,
  usage: { input: 10, output: 5, reasoning: 0, cachedInput: 0 },
  costUsd,
  cloudOnlyCostUsd: costUsd,
});

let holds = 0;
const hold = (scopes: SpendScope[], amountUsd: number, expiresAt = now + 60_000): SpendHold => ({
  id: `hold-${++holds}`,
  day,
  dayStartMs,
  scopes,
  amountUsd,
  expiresAt,
});

const all = (capUsd: number): SpendScope => ({ scope: '*', capUsd });
const tag = (name: string, capUsd: number): SpendScope => ({ scope: name, capUsd });

/** Runs the contract against `open` (a fresh, empty store each time); `shared`: holds lapse at expiresAt. */
export function spendReservationsContract(
  name: string,
  open: () => Promise<SpendUnderTest>,
  { shared }: { shared: boolean },
): void {
  const withSpend = (title: string, body: (under: SpendUnderTest) => Promise<void>) =>
    test(title, async () => {
      const under = await open();
      try {
        await body(under);
      } finally {
        await under.close();
      }
    });

  describe(`spend reservations: ${name}`, () => {
    withSpend(
      "a scope starts from the ledger's spent money of the day, per caller tag",
      async ({ ledger, spend }) => {
        await ledger.insert(request('yesterday', dayStartMs - 1, 5), []);
        await ledger.insert(request('a1', dayStartMs, 0.25, 'agent-a'), []);
        await ledger.insert(request('b1', dayStartMs + 10, 0.125, 'agent-b'), []);
        await ledger.insert(request('x1', dayStartMs + 20, 0.125), []);
        assert.deepEqual(await spend.reached(day, dayStartMs, [all(0.5)], now), {
          scope: '*',
          capUsd: 0.5,
          committedUsd: 0.5,
        });
        assert.equal(await spend.reached(day, dayStartMs, [all(0.51)], now), undefined);
        assert.equal(await spend.reached(day, dayStartMs, [tag('agent-a', 0.26)], now), undefined);
        assert.deepEqual(await spend.reached(day, dayStartMs, [all(1), tag('agent-a', 0.25)], now), {
          scope: 'agent-a',
          capUsd: 0.25,
          committedUsd: 0.25,
        });
      },
    );

    withSpend('a hold is taken on every scope or on none', async ({ spend }) => {
      assert.equal(await spend.reserve(hold([all(1), tag('a', 0.5)], 0.375), now), undefined);
      assert.deepEqual(await spend.reserve(hold([all(1), tag('a', 0.5)], 0.25), now), {
        scope: 'a',
        capUsd: 0.5,
        committedUsd: 0.625,
      });
      // The refused hold took nothing from the global cap: 0.375 + 0.625 fits exactly.
      assert.equal(await spend.reserve(hold([all(1)], 0.625), now), undefined);
      assert.deepEqual(await spend.reached(day, dayStartMs, [all(1)], now), {
        scope: '*',
        capUsd: 1,
        committedUsd: 1,
      });
    });

    withSpend('settling replaces the hold by the real cost', async ({ spend }) => {
      const first = hold([all(1), tag('a', 1)], 0.75);
      assert.equal(await spend.reserve(first, now), undefined);
      assert.ok(await spend.reserve(hold([all(1)], 0.5), now), 'the worst case is held');
      await spend.settle(first, 0.125);
      assert.equal(await spend.reached(day, dayStartMs, [all(0.126), tag('a', 0.126)], now), undefined);
      assert.ok(await spend.reached(day, dayStartMs, [all(0.125)], now), 'the real cost is spent');
      assert.equal(await spend.reserve(hold([all(1)], 0.875), now), undefined);
    });

    withSpend('holds made at once never pass the cap together', async ({ spend, other }) => {
      const stores = other ? [spend, other] : [spend];
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, (_, index) =>
          stores[index % stores.length].reserve(hold([all(1), tag('a', 2)], 0.0625), now),
        ),
      );
      assert.equal(outcomes.filter((outcome) => outcome === undefined).length, 16);
      assert.deepEqual(await spend.reached(day, dayStartMs, [all(1)], now), {
        scope: '*',
        capUsd: 1,
        committedUsd: 1,
      });
    });

    if (shared) {
      withSpend(
        'a hold whose process died stops counting at its expiry; a late settle still spends',
        async ({ spend }) => {
          const lapsing = hold([all(1)], 0.75, now + 1000);
          assert.equal(await spend.reserve(lapsing, now), undefined);
          assert.ok(await spend.reserve(hold([all(1)], 0.5), now + 999), 'still held just before');
          assert.equal(
            await spend.reserve(hold([all(1)], 0.5), now + 1000),
            undefined,
            'lapsed at its expiry',
          );
          await spend.settle(lapsing, 0.25);
          assert.ok(await spend.reached(day, dayStartMs, [all(0.75)], now + 1000), '0.5 held + 0.25 spent');
        },
      );
    }
  });
}
