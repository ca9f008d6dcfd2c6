import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { StoredResponse } from '../../src/contracts/response-store.ts';
import { closeSqlite, openSqlite } from '../../src/store/open-sqlite.ts';
import { createSqliteResponseStore } from '../../src/store/sqlite-response-store.ts';

const stored = (id: string, createdAt: number, callerTag?: string): StoredResponse => ({
  id,
  createdAt,
  ...(callerTag ? { callerTag } : {}),
  conversation: [
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'f', arguments: '{}' }] },
  ],
  response: { id, object: 'response', output: [] },
});

test('the SQLite response store: put, get back across a reopen, refuse a duplicate id, delete, prune by age', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pyramid-responses-'));
  const file = join(dir, 'pyramid.db');
  try {
    let db = openSqlite(file);
    let store = createSqliteResponseStore(db);
    store.put(stored('resp_a', 1_000, 'bot'));
    store.put(stored('resp_b', 2_000));
    assert.throws(() => store.put(stored('resp_a', 3_000)), /UNIQUE/);
    closeSqlite(db);

    db = openSqlite(file);
    store = createSqliteResponseStore(db);
    assert.deepEqual(store.get('resp_a'), stored('resp_a', 1_000, 'bot'));
    assert.deepEqual(store.get('resp_b'), stored('resp_b', 2_000));
    assert.equal(store.get('resp_missing'), undefined);
    assert.equal(store.delete('resp_b'), true);
    assert.equal(store.delete('resp_b'), false);
    store.put(stored('resp_c', 5_000));
    assert.equal(store.prune(2_000), 1, 'only the one created before the cut-off');
    assert.equal(store.get('resp_a'), undefined);
    assert.ok(store.get('resp_c'));
    closeSqlite(db);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
