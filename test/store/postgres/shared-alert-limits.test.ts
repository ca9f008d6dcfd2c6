// Alert rate limits hold for the platform on PostgreSQL: two processes (two Alerters, each on its own
// pool to one database) share one subject's repeat window and the hourly cap, and the alerts held back
// by either ride along with the next one sent.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AlertsConfig } from '../../../src/contracts/delivery.ts';
import { Alerter } from '../../../src/delivery/alerter.ts';
import type { OutboxMessage } from '../../../src/delivery/outbox.ts';
import { openPostgresStores, type PostgresStores } from '../../../src/store/postgres/open-postgres-stores.ts';
import { type PostgresCluster, postgresUnavailable, startPostgresCluster } from './start-postgres-cluster.ts';

const unavailable = postgresUnavailable();
const minute = 60_000;

describe('alert rate limits shared by several processes', { skip: unavailable }, () => {
  let cluster: PostgresCluster;
  let first: PostgresStores;
  let second: PostgresStores;
  before(async () => {
    cluster = await startPostgresCluster();
    const url = await cluster.createDatabase();
    first = await openPostgresStores(url, { poolMax: 4 });
    second = await openPostgresStores(url, { poolMax: 4, migrate: false });
  });
  after(async () => {
    await first?.close();
    await second?.close();
    await cluster?.stop();
  });

  /** Two processes' alerters on one database, one clock, one outbox to read what was queued. */
  const platform = (config: Partial<AlertsConfig>, start: string) => {
    // Each test on its own day: the database's hour of sends is shared by the tests too.
    let now = Date.parse(start);
    const sent: OutboxMessage[] = [];
    const outbox = {
      async enqueue(message: OutboxMessage) {
        sent.push(message);
        return ['id'];
      },
    };
    const full: AlertsConfig = {
      targets: [{ channel: 'tg', to: '1' }],
      jobFailures: 3,
      repeatMs: 15 * minute,
      maxPerHour: 20,
      settleMs: 0,
      ...config,
    };
    const alerters = [first, second].map(
      (stores) =>
        new Alerter({
          outbox,
          config: full,
          now: () => now,
          limits: (stores.shared as NonNullable<typeof stores.shared>).alerts,
        }),
    );
    // The shared decision is asynchronous: wait until each alert handed over has been decided.
    const settled = () => Promise.all(alerters.map((alerter) => alerter.settled()));
    return { alerters, sent, settled, advance: (ms: number) => (now += ms) };
  };

  test("one subject's repeat window is the platform's: ten alerts on two processes within it send one, the next says nine were held", async () => {
    const { alerters, sent, settled, advance } = platform({}, '2026-04-01T08:00:00Z');
    for (let n = 0; n < 10; n++) {
      alerters[n % 2].alert('job:brief:failing', 'Job brief failing');
      await settled();
      advance(minute);
    }
    assert.equal(sent.length, 1, 'one alert per 15 minutes for the subject, whichever process raises it');
    advance(6 * minute);
    alerters[1].alert('job:brief:failing', 'Job brief failing');
    await settled();
    assert.equal(sent.length, 2);
    assert.match(sent[1].text, /\(9 similar alerts held back since the last one\)$/);
  });

  test('maxPerHour counts every process: 12 subjects at once on two processes with a cap of 5 send 5, then more after the hour', async () => {
    const { alerters, sent, settled, advance } = platform({ maxPerHour: 5 }, '2026-04-02T08:00:00Z');
    await Promise.all(
      Array.from({ length: 12 }, async (_, n) => {
        alerters[n % 2].alert(`model-${n}:down`, `model ${n} down`);
      }),
    );
    await settled();
    assert.equal(sent.length, 5);
    advance(61 * minute);
    alerters[0].alert('model-11:down', 'model 11 down');
    await settled();
    assert.equal(sent.length, 6);
  });

  test('breaker alerts ignore the repeat window but not the hourly cap', async () => {
    const { alerters, sent, settled } = platform({ maxPerHour: 2 }, '2026-04-03T08:00:00Z');
    alerters[0].alert('breaker:m:open', 'open', { ignoreRepeat: true });
    await settled();
    alerters[1].alert('breaker:m:open', 'open again', { ignoreRepeat: true });
    await settled();
    alerters[0].alert('breaker:m:open', 'open a third time', { ignoreRepeat: true });
    await settled();
    assert.deepEqual(
      sent.map((message) => message.text),
      ['open', 'open again'],
    );
  });
});
