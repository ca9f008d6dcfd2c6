import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createLedger } from '../../src/ledger/create-ledger.ts';
import { openInlineStores } from '../../src/store/open-inline-stores.ts';
import { assertUsd } from '../ledger/approx.ts';
import { config } from '../ledger/fixture-data.ts';

const node = resolve(import.meta.dirname, '../../node_modules/.bin/node');
const script = join(import.meta.dirname, 'fixtures', 'record-then-die.ts');

/** Runs the child until it dies; `killAfter` lines kills it from here, otherwise it kills itself. */
function runChild(args: string[], killAfter?: number): Promise<{ signal: string | null; ids: string[] }> {
  return new Promise((done, fail) => {
    const child = spawn(node, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const ids: string[] = [];
    let buffered = '';
    let errors = '';
    child.stderr.on('data', (chunk) => {
      errors += chunk;
    });
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      ids.push(...lines);
      if (killAfter !== undefined && ids.length >= killAfter) child.kill('SIGKILL');
    });
    child.on('error', fail);
    child.on('close', (code, signal) => {
      if (signal === null) fail(new Error(`child exited with ${code}: ${errors}`));
      else done({ signal, ids });
    });
  });
}

describe('durability across a crash', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pyramid-durability-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every request recorded before the process was SIGKILLed', async () => {
    const path = join(dir, 'pyramid.db');
    const { signal, ids } = await runChild([path, 'self', '5']);
    assert.equal(signal, 'SIGKILL');
    // The rows live only in the WAL: the child never closed or checkpointed.
    assert.ok(statSync(`${path}-wal`).size > 0);
    const stores = openInlineStores(path);
    try {
      const ledger = createLedger({ store: stores.ledger, config });
      for (const id of ['child-0', 'child-1', 'child-2', 'child-3', 'child-4']) {
        const stored = await ledger.getRequest(id);
        assert.ok(stored, `${id} lost`);
        assert.deepEqual(
          stored.attempts.map((a) => a.model),
          ['local', 'cheap'],
        );
      }
      assert.ok(ids.length <= 5);
      assertUsd(await ledger.spentSince(0, 'child'), 5 * 0.0012);
    } finally {
      await stores.close();
    }
  });

  it('keeps every request the child announced when killed from outside mid-stream', async () => {
    const path = join(dir, 'pyramid.db');
    const { signal, ids } = await runChild([path, 'loop'], 20);
    assert.equal(signal, 'SIGKILL');
    assert.ok(ids.length >= 20);
    const stores = openInlineStores(path);
    const { db } = stores;
    try {
      const store = stores.ledger;
      for (const id of ids) {
        const stored = await store.get(id);
        assert.ok(stored, `${id} was announced but lost`);
        assert.equal(stored.attempts.length, 2);
      }
      // No request is ever half-written: every stored request has both of its attempts.
      const partial = db
        .prepare(
          'SELECT COUNT(*) AS n FROM requests r WHERE (SELECT COUNT(*) FROM attempts a WHERE a.request_id = r.request_id) <> 2',
        )
        .get();
      assert.equal(partial?.n, 0);
    } finally {
      await stores.close();
    }
  });
});
