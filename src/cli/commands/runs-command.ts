import type { Command } from 'commander';
import { formatUsd } from '../../ledger/index.ts';
import type { RunRecord } from '../../spec/scheduler-store.ts';
import type { CliIo, GlobalOptions } from '../cli-io.ts';
import { createPlatform } from '../create-platform.ts';
import { formatTable } from '../format-table.ts';
import { parseLimitOption } from '../parse-limit-option.ts';

const time = (ms: number | undefined) =>
  ms === undefined ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z');

/** Prints runs as a table (or JSON). */
export function printRuns(io: CliIo, runs: RunRecord[], json: boolean | undefined): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    return;
  }
  if (runs.length === 0) {
    io.stdout.write('no runs yet\n');
    return;
  }
  const rows = runs.map((run) => [
    run.id,
    run.jobId,
    run.status,
    run.trigger,
    time(run.slotTime),
    time(run.startedAt),
    run.startedAt === undefined ? '-' : `${Math.max(0, run.startedAt - (run.slotTime ?? run.queuedAt))}ms`,
    run.tiers.length > 0 ? [...new Set(run.tiers)].join(',') : '-',
    formatUsd(run.costUsd),
    run.noReply ? 'NO_REPLY' : run.deliveryStatus,
  ]);
  io.stdout.write(
    `${formatTable(['run', 'job', 'status', 'trigger', 'slot', 'started', 'waited', 'tiers', 'cost', 'delivery'], rows)}\n`,
  );
}

/** `pyramid runs [--job <id>] [--json]`: run history, newest first. */
export function registerRunsCommand(program: Command, io: CliIo): void {
  program
    .command('runs')
    .description('run history, newest first: status, slot, waiting time, tiers, cost, delivery')
    .option('--job <id>', 'only this job')
    .option('--limit <n>', 'at most this many runs', '50')
    .option('--json', 'print JSON (outputs included)')
    .action(async (options: { job?: string; limit: string; json?: boolean }, command: Command) => {
      const limit = parseLimitOption(options.limit);
      const platform = await createPlatform(io, command.optsWithGlobals<GlobalOptions>());
      try {
        const runs = platform.schedulerStore.listRuns({
          ...(options.job ? { jobId: options.job } : {}),
          limit,
        });
        printRuns(io, runs, options.json);
      } finally {
        platform.close();
      }
    });
}
