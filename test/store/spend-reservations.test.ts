import { after, test } from 'node:test';
import { createInProcessSpendReservations } from '../../src/router/in-process-spend-reservations.ts';
import { openInlineStores } from '../../src/store/index.ts';
import { openPostgresStores } from '../../src/store/postgres/open-postgres-stores.ts';
import {
  type PostgresCluster,
  postgresUnavailable,
  startPostgresCluster,
} from './postgres/start-postgres-cluster.ts';
import { spendReservationsContract } from './spend-reservations-contract.ts';

spendReservationsContract(
  'in process, over SQLite',
  async () => {
    const stores = openInlineStores(':memory:');
    return {
      ledger: stores.ledger,
      spend: createInProcessSpendReservations((sinceMs, callerTag) =>
        stores.ledger.sumCost(sinceMs, callerTag),
      ),
      close: () => stores.close(),
    };
  },
  { shared: false },
);

const unavailable = postgresUnavailable();
if (unavailable) {
  test('spend reservations: PostgreSQL', { skip: unavailable }, () => {});
} else {
  let cluster: PostgresCluster | undefined;
  let template: string | undefined;
  spendReservationsContract(
    'PostgreSQL, two pools',
    async () => {
      if (!cluster) {
        cluster = await startPostgresCluster();
        template = await cluster.createDatabase();
        await (await openPostgresStores(template)).close();
      }
      const url = await cluster.createDatabase({ template });
      const first = await openPostgresStores(url, { poolMax: 8, migrate: false });
      const second = await openPostgresStores(url, { poolMax: 8, migrate: false });
      return {
        ledger: first.ledger,
        spend: first.shared.spend,
        other: second.shared.spend,
        close: async () => {
          await first.close();
          await second.close();
        },
      };
    },
    { shared: true },
  );
  after(() => cluster?.stop());
}
