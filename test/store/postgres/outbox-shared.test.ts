// The outbox on a shared PostgreSQL store: each process holds a few deliveries at a time, so a backlog
// queued while two processes run is sent by both (real children), every chunk once.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openPostgresStores } from '../../../src/store/postgres/open-postgres-stores.ts';
import { offlinePyramidYaml } from '../../cli/offline-pyramid-yaml.ts';
import { type Started, startPyramid } from '../../gateway/start-pyramid-process.ts';
import { type PostgresCluster, postgresUnavailable, startPostgresCluster } from './start-postgres-cluster.ts';

const unavailable = postgresUnavailable();
let cluster: PostgresCluster | undefined;
const homes: string[] = [];
const children: Started[] = [];
before(async () => {
  if (!unavailable) cluster = await startPostgresCluster();
});
after(async () => {
  for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
  await Promise.all(children.map((child) => child.exited));
  await cluster?.stop();
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

test('two processes both send a backlog of 100 deliveries to 20 targets; no chunk twice', {
  skip: unavailable,
}, async () => {
  // 300 ms per message, five held at a time: one process alone would take 100 * 300 ms / 5 = 6 s or
  // more, longer than the 5 s in which the other looks for work, and it holds at most 5 of the 20
  // targets: the other finds targets nobody holds.
  const received: { id: string }[] = [];
  const server = createServer(async (request, response) => {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    await sleep(300);
    received.push({ id: (JSON.parse(raw) as { id: string }).id });
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const url = await (cluster as PostgresCluster).createDatabase();
  const started: Started[] = [];
  for (let index = 0; index < 2; index++) {
    const home = await mkdtemp(join(tmpdir(), 'pyramid-outbox-shared-'));
    homes.push(home);
    await writeFile(
      join(home, 'pyramid.yaml'),
      `${offlinePyramidYaml('gateway: { probeInterval: 1h }')}
channels:
  hook: { type: webhook, url: "${hook}" }
store: { kind: postgres, url: env:DATABASE_URL, lease: 10s }
`,
    );
    const child = await startPyramid({ PYRAMID_HOME: home, DATABASE_URL: url });
    children.push(child);
    started.push(child);
  }
  const stores = await openPostgresStores(url, { migrate: false });
  try {
    const now = Date.now();
    await stores.delivery.insert(
      Array.from({ length: 100 }, (_, index) => ({
        record: {
          id: `d${String(index).padStart(3, '0')}`,
          kind: 'message' as const,
          channel: 'hook',
          channelType: 'webhook' as const,
          to: `target-${index % 20}`,
          state: 'pending' as const,
          chunkCount: 1,
          chunksSent: 0,
          attempts: 0,
          failuresInARow: 0,
          nextAttemptAt: now,
          createdAt: now + index,
          updatedAt: now,
        },
        chunks: [JSON.stringify({ id: `d${String(index).padStart(3, '0')}` })],
      })),
    );
    const deadline = Date.now() + 120_000;
    while ((await stores.delivery.list({ state: 'delivered', limit: 1000 })).length < 100) {
      if (Date.now() > deadline) throw new Error('timed out waiting for every delivery');
      await sleep(200);
    }
    assert.equal(received.length, 100);
    assert.equal(new Set(received.map((entry) => entry.id)).size, 100, 'no chunk sent twice');
    const sentBy = started.map((child) => (child.output().match(/"msg":"delivered"/g) ?? []).length);
    assert.equal(
      sentBy.reduce((sum, count) => sum + count, 0),
      100,
    );
    assert.ok(
      sentBy.every((count) => count > 0),
      `both processes sent (${sentBy.join(' and ')})`,
    );
    for (const child of started) {
      child.child.kill('SIGTERM');
      assert.equal(await child.exited, 0, child.output());
    }
  } finally {
    await stores.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
