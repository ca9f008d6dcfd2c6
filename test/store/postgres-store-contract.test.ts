import { after, before, test } from 'node:test';
import { openPostgresStores } from '../../src/store/postgres/open-postgres-stores.ts';
import {
  type PostgresCluster,
  postgresUnavailable,
  startPostgresCluster,
} from './postgres/start-postgres-cluster.ts';
import { storeContract } from './store-contract.ts';

const unavailable = postgresUnavailable();
if (unavailable) {
  test('store contract: PostgreSQL', { skip: unavailable }, () => {});
} else {
  let cluster: PostgresCluster;
  // Each test gets a fresh database copied from one migrated once (CREATE DATABASE ... TEMPLATE).
  let template: string;
  before(async () => {
    cluster = await startPostgresCluster();
    template = await cluster.createDatabase();
    await (await openPostgresStores(template)).close();
  });
  after(() => cluster?.stop());
  storeContract('PostgreSQL', async () =>
    openPostgresStores(await cluster.createDatabase({ template }), { poolMax: 4 }),
  );
}
