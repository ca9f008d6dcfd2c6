import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openInlineStores, startSqliteStoreWorker } from '../../src/store/index.ts';
import { storeContract } from './store-contract.ts';

const freshPath = async () => join(await mkdtemp(join(tmpdir(), 'pyramid-contract-')), 'pyramid.db');

storeContract('SQLite on the caller thread', async () => openInlineStores(await freshPath()), {
  exactReports: false,
});
storeContract('SQLite in the store worker', async () => startSqliteStoreWorker(await freshPath()), {
  exactReports: false,
});
