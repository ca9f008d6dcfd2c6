import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { StoreError } from '../../../src/contracts/errors/store-error.ts';
import { openPostgresStores } from '../../../src/store/postgres/open-postgres-stores.ts';
import { toPostgresStoreError } from '../../../src/store/postgres/to-postgres-store-error.ts';
import { type PostgresCluster, postgresUnavailable, startPostgresCluster } from './start-postgres-cluster.ts';

const unavailable = postgresUnavailable();
let cluster: PostgresCluster | undefined;
before(async () => {
  if (!unavailable) cluster = await startPostgresCluster();
});
after(() => cluster?.stop());

const serverError = (code: string) => {
  const error = new pg.DatabaseError('the server said no', 0, 'error');
  error.code = code;
  return error;
};

test('SQLSTATEs that end by themselves are transient: busy, full, unreachable', () => {
  const cases: Array<[string, string]> = [
    ['40001', 'store_busy'],
    ['40P01', 'store_busy'],
    ['53300', 'store_busy'],
    ['57014', 'store_busy'],
    ['53100', 'store_full'],
    ['57P01', 'store_io'],
    ['08006', 'store_io'],
    ['23505', 'store_error'],
    ['42P01', 'store_error'],
  ];
  for (const [sqlState, code] of cases) {
    const mapped = toPostgresStoreError(serverError(sqlState)) as StoreError;
    assert.ok(mapped instanceof StoreError, sqlState);
    assert.equal(mapped.code, code, sqlState);
    assert.equal(mapped.transient, code !== 'store_error', sqlState);
  }
});

test('a server that refuses connections is store_io, transient, and the password is never shown', {
  skip: unavailable,
}, async () => {
  const url = (cluster as PostgresCluster).url
    .replace(/port=\d+/, 'port=1')
    .replace('pyramid@', 'pyramid:s3cret-pw@');
  await assert.rejects(openPostgresStores(url), (error: unknown) => {
    assert.ok(error instanceof StoreError);
    assert.equal(error.code, 'store_io');
    assert.equal(error.transient, true);
    assert.doesNotMatch(error.message, /s3cret-pw/);
    assert.match(error.message, /cannot open the PostgreSQL store/);
    return true;
  });
});

test('too many clients is store_busy, and the store reports itself degraded until a write succeeds', {
  skip: unavailable,
}, async () => {
  const adminUrl = await (cluster as PostgresCluster).createDatabase();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  // A role that may hold one connection (superusers have no limit).
  const role = `limited_${process.pid}`;
  await admin.query(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 1`);
  await admin.query(`GRANT ALL ON SCHEMA public TO ${role}`);
  const url = adminUrl.replace('pyramid@', `${role}@`);
  const stores = await openPostgresStores(url, { poolMax: 4 });
  try {
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => stores.ledger.sumCost(0)));
    const refused = results.filter((result) => result.status === 'rejected');
    assert.ok(refused.length > 0, 'some calls found no connection');
    for (const result of refused) {
      const error = (result as PromiseRejectedResult).reason;
      assert.ok(error instanceof StoreError);
      assert.equal(error.code, 'store_busy', error.message);
      assert.equal(error.transient, true);
    }
    assert.equal(stores.status().state, 'degraded');
    await stores.sessions.remember('a', 'k', 'v', 1);
    assert.equal(stores.status().state, 'ok');
  } finally {
    await stores.close();
    await admin.end();
  }
});
