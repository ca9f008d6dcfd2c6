// npm run bench:prune — how long pruning a backlog of finished history takes, and how long each batch
// holds the event loop and the write lock (the longest pause a gateway request can see behind it), for
// batch sizes side by side. Each size prunes its own copy of the same seeded database file: isolated
// sessions with their transcripts, finished runs, delivered deliveries with chunks, ledger requests
// with attempts, all past retention, plus as many recent rows that must stay.
// Env: BENCH_ROWS (default 50000 of each kind past retention), BENCH_BATCHES (default 100,500,2000).
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DatabaseSync } from 'node:sqlite';
import type { PruneCutoffs } from '../src/contracts/history-pruner.ts';
import {
  closeSqlite,
  createSqliteHistoryPruner,
  openSqlite,
  startWalCheckpointer,
  transaction,
} from '../src/store/index.ts';

const rows = Number(process.env.BENCH_ROWS ?? 50_000);
const batches = (process.env.BENCH_BATCHES ?? '100,500,2000').split(',').map(Number);
const day = 86_400_000;
const now = Date.now();

/** `rows` of each kind at `at`, ids prefixed with `prefix`, in one transaction. */
function seed(db: DatabaseSync, prefix: string, at: number): void {
  const session = db.prepare(
    "INSERT INTO sessions (id, kind, agent_id, job_id, run_id, created_at) VALUES (?, 'isolated', 'agent', 'job', ?, ?)",
  );
  const message = db.prepare(
    'INSERT INTO session_messages (session_id, seq, message, tokens, created_at) VALUES (?, ?, ?, 60, ?)',
  );
  const run = db.prepare(
    `INSERT INTO runs (id, job_id, agent_id, trigger, slot_time, attempt, status, queued_at, started_at, finished_at, session_id, output)
     VALUES (?, 'job', 'agent', 'schedule', ?, 1, 'ok', ?, ?, ?, ?, ?)`,
  );
  const delivery = db.prepare(
    `INSERT INTO deliveries (delivery_id, kind, run_id, channel, channel_type, state, chunk_count, chunks_sent, next_attempt_at, created_at, updated_at)
     VALUES (?, 'run', ?, 'tg', 'telegram', 'delivered', 2, 2, ?, ?, ?)`,
  );
  const chunk = db.prepare('INSERT INTO delivery_chunks (delivery_id, seq, body) VALUES (?, ?, ?)');
  const request = db.prepare(
    `INSERT INTO requests (request_id, task, resolved_task, started_at, finished_at, outcome, model, tier,
       input_tokens, output_tokens, reasoning_tokens, cached_input_tokens, cost_usd, cloud_only_cost_usd, attempt_count)
     VALUES (?, 'classify', 'classify', ?, ?, 'ok', 'qwen3-14b', 0, 300, 40, 0, 0, 0, 0.0002, 1)`,
  );
  const attempt = db.prepare(
    `INSERT INTO attempts (request_id, seq, model, provider, tier, outcome, answered, started_at, latency_ms,
       input_tokens, output_tokens, reasoning_tokens, cached_input_tokens, cost_usd, cloud_only_cost_usd)
     VALUES (?, 0, 'qwen3-14b', 'ollama', 0, 'ok', 1, ?, 120, 300, 40, 0, 0, 0, 0.0002)`,
  );
  const text = 'A summary of the morning inbox: three billing questions, one bug report. '.repeat(4);
  transaction(db, () => {
    for (let index = 0; index < rows; index++) {
      const id = `${prefix}-${index}`;
      const sessionId = `job:job:run:${id}`;
      const time = at + index;
      session.run(sessionId, id, time);
      for (let seq = 0; seq < 4; seq++) {
        message.run(
          sessionId,
          seq,
          JSON.stringify({ role: seq % 2 ? 'assistant' : 'user', content: text }),
          time,
        );
      }
      run.run(id, time, time, time, time + 1000, sessionId, text);
      delivery.run(id, id, time, time, time);
      chunk.run(id, 0, text);
      chunk.run(id, 1, text);
      request.run(id, time, time + 900);
      attempt.run(id, time);
    }
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function main() {
  const folder = await mkdtemp(join(tmpdir(), 'pyramid-prune-bench-'));
  try {
    const seeded = join(folder, 'seeded.db');
    const seedStart = performance.now();
    const db = openSqlite(seeded);
    seed(db, 'old', now - 200 * day);
    seed(db, 'new', now - day);
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    closeSqlite(db);
    console.error(
      `seeded ${rows} old and ${rows} recent rows of each kind in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`,
    );

    const cutoffs: PruneCutoffs = {
      transcriptsBefore: now - 30 * day,
      runsBefore: now - 30 * day,
      deliveriesBefore: now - 30 * day,
      ledgerBefore: now - 30 * day,
    };
    const results: {
      batch: number;
      totalMs: number;
      batches: number;
      p50: number;
      p99: number;
      max: number;
    }[] = [];
    for (const batch of batches) {
      const file = join(folder, `batch-${batch}.db`);
      await copyFile(seeded, file);
      const copy = openSqlite(file);
      // As pyramid start runs: WAL checkpoints in a worker, not inside whichever commit passes 1000 pages.
      copy.exec('PRAGMA wal_autocheckpoint = 0');
      const checkpointer = startWalCheckpointer(file, {
        onError: (error) => {
          console.error(`checkpointer: ${error.message}`);
          if (copy.isOpen) copy.exec('PRAGMA wal_autocheckpoint = 1000');
        },
      });
      // A running pyramid start has written to its database long before it prunes; the first write after
      // opening a copied file costs 20-130 ms once (the WAL set up), which is not the prune's.
      transaction(copy, () => {
        copy.exec("INSERT INTO agent_notes VALUES ('bench', 'warm-up', '', 0)");
        copy.exec("DELETE FROM agent_notes WHERE agent_id = 'bench'");
      });
      const pruner = createSqliteHistoryPruner(copy, { batch });
      const byKind: Record<string, number[]> = {};
      const pauses: number[] = [];
      const start = performance.now();
      for (;;) {
        const before = performance.now();
        // The SQLite pruner answers at once: the pause is the batch's own time, not an await's.
        const batchResult = pruner.pruneBatch(cutoffs);
        const pause = performance.now() - before;
        const { done, counts } = await batchResult;
        pauses.push(pause);
        const kind =
          Object.entries(counts).find(([key, value]) => value > 0 && key !== 'sessionMessages')?.[0] ??
          'none';
        byKind[kind] = [...(byKind[kind] ?? []), pause];
        if (done) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      const totalMs = performance.now() - start;
      const left = await pruner.count(cutoffs);
      if (Object.values(left).some((count) => count > 0))
        throw new Error(`batch ${batch} left ${JSON.stringify(left)}`);
      const kept = Number((copy.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n);
      if (kept !== rows) throw new Error(`batch ${batch} kept ${kept} runs, expected ${rows}`);
      checkpointer.stop();
      closeSqlite(copy);
      for (const [kind, values] of Object.entries(byKind)) {
        const ordered = [...values].sort((a, b) => a - b);
        console.error(
          `  ${kind}: p50 ${percentile(ordered, 50).toFixed(1)} ms, p99 ${percentile(ordered, 99).toFixed(1)} ms, max ${(ordered.at(-1) ?? 0).toFixed(1)} ms`,
        );
      }
      const sorted = [...pauses].sort((a, b) => a - b);
      results.push({
        batch,
        totalMs,
        batches: pauses.length,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        max: sorted.at(-1) ?? 0,
      });
      console.error(
        `batch ${batch}: ${(totalMs / 1000).toFixed(2)} s in ${pauses.length} batches, pause p50 ${percentile(sorted, 50).toFixed(1)} ms, max ${(sorted.at(-1) ?? 0).toFixed(1)} ms`,
      );
    }

    const base = results.find((result) => result.batch === 100) ?? results[0];
    const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
    const table = [
      `| batch (rows) | total | × batch ${base.batch} | rows per second | batches | pause p50 | pause p99 | pause max |`,
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...results.map(
        (result) =>
          `| ${result.batch} | ${(result.totalMs / 1000).toFixed(2)} s | ${(result.totalMs / base.totalMs).toFixed(2)} | ${Math.round((rows * 4) / (result.totalMs / 1000)).toLocaleString('en-US')} | ${result.batches} | ${result.p50.toFixed(1)} ms | ${result.p99.toFixed(1)} ms | ${result.max.toFixed(1)} ms |`,
      ),
    ].join('\n');
    console.log(`### ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — ${machine}\n`);
    console.log(
      `${rows.toLocaleString('en-US')} of each kind past retention (isolated sessions with 4 messages each, finished runs, delivered deliveries with 2 chunks, ledger requests with 1 attempt) and as many recent ones kept. "rows per second" counts the four parent kinds, not the cascaded children; a pause is one batch (one transaction deleting up to that many rows of one kind): the event loop and the write lock held for its length. WAL checkpoints run in a worker, as under pyramid start.\n`,
    );
    console.log(table);
  } finally {
    if (process.env.BENCH_KEEP) console.error(`kept ${folder}`);
    else await rm(folder, { recursive: true, force: true });
  }
}

await main();
