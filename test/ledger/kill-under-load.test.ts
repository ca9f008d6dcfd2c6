import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeSqlite, openSqlite } from '../../src/store/index.ts';
import { startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { startPyramid } from '../gateway/start-pyramid-process.ts';
import { adminToken, gatewayTestYaml } from '../gateway/start-test-gateway.ts';

test('kill -9 of pyramid start under concurrent requests: every answered request has its ledger rows', async () => {
  const home = await mkdtemp(join(tmpdir(), 'pyramid-ledger-kill-'));
  const [local, cloud] = await Promise.all([
    startFakeModelServer({ api: 'ollama' }),
    startFakeModelServer({ api: 'openai-completions' }),
  ]);
  // Half the requests fail on tier 0 and escalate: two attempts each, committed with their request.
  local.setDefault({ delayMs: 2 });
  cloud.setDefault({ delayMs: 2 });
  await writeFile(join(home, 'pyramid.yaml'), gatewayTestYaml(local, cloud));
  const started = await startPyramid({
    PYRAMID_HOME: home,
    ADMIN_TOKEN: adminToken,
    CLIENT_TOKEN: 'pyr_unused_client_token_000000',
    CLOUD_KEY: 'sk-cloud-secret-value-123',
  });
  const answered: { id: string; attempts: number }[] = [];
  let killed = false;
  const target = 300;
  const worker = async (index: number) => {
    for (let n = 0; !killed; n++) {
      const stream = (index + n) % 2 === 0;
      try {
        const response = await fetch(`${started.url}/v1/chat/completions`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${adminToken}`,
            'content-type': 'application/json',
            'x-pyramid-task': n % 3 === 0 ? 'summarize' : 'default',
          },
          body: JSON.stringify({
            model: 'auto',
            stream,
            messages: [{ role: 'user', content: `q${index}-${n}` }],
          }),
        });
        const body = await response.text();
        // Answered: the whole response arrived (for a stream, its final [DONE]).
        if (response.status !== 200 || (stream && !body.includes('[DONE]'))) continue;
        answered.push({
          id: response.headers.get('x-pyramid-request-id') ?? '',
          attempts: Number(response.headers.get('x-pyramid-attempts') ?? 1),
        });
        if (answered.length >= target && !killed) {
          killed = true;
          started.child.kill('SIGKILL');
        }
      } catch {
        if (killed) return;
        throw new Error(`a request failed before the kill:\n${started.output()}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: 32 }, (_, index) => worker(index)));
    await started.exited;
    const db = openSqlite(join(home, 'pyramid.db'));
    try {
      const request = db.prepare('SELECT attempt_count FROM requests WHERE request_id = ?');
      const attempts = db.prepare('SELECT COUNT(*) AS n FROM attempts WHERE request_id = ?');
      const missing = answered.filter(({ id }) => request.get(id) === undefined);
      assert.deepEqual(missing, [], `${missing.length} of ${answered.length} answered requests have no row`);
      for (const { id } of answered) {
        const row = request.get(id) as { attempt_count: number };
        assert.ok(row.attempt_count >= 1);
        assert.equal((attempts.get(id) as { n: number }).n, row.attempt_count, `${id}: one row per attempt`);
      }
      assert.equal(
        (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check,
        'ok',
      );
    } finally {
      closeSqlite(db);
    }
  } finally {
    started.child.kill('SIGKILL');
    await Promise.all([local.close(), cloud.close()]);
    await rm(home, { recursive: true, force: true });
  }
});
