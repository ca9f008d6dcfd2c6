import type { Command } from 'commander';
import type { DeliveryRecord } from '../../contracts/delivery.ts';
import { PyramidError } from '../../contracts/errors/pyramid-error.ts';
import { type RunRecord, type RunStatus, runStatuses } from '../../contracts/scheduler-store.ts';
import { deliveryView } from '../../delivery/deliveries-routes.ts';
import { formatUsd } from '../../ledger/index.ts';
import type { CliIo, GlobalOptions } from '../cli-io.ts';
import { createPlatform } from '../create-platform.ts';
import { formatTable } from '../format-table.ts';
import { parseLimitOption } from '../parse-limit-option.ts';

const time = (ms: number | undefined) =>
  ms === undefined ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z');

/** How long a run waited for a lane before it started; for one still queued, how long it has waited so far. */
function waited(run: RunRecord, now: number): string {
  const from = run.slotTime ?? run.queuedAt;
  if (run.startedAt !== undefined) return `${Math.max(0, run.startedAt - from)}ms`;
  if (run.status !== 'queued') return '-';
  if (run.notBefore !== undefined && run.notBefore > now)
    return `retry in ${Math.ceil((run.notBefore - now) / 1000)}s`;
  return `${Math.max(0, now - from)}ms so far`;
}

/** Prints runs as a table (or JSON). */
export function printRuns(io: CliIo, runs: RunRecord[], json: boolean | undefined): void {
  const now = (io.now ?? Date.now)();
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
    waited(run, now),
    run.tiers.length > 0 ? [...new Set(run.tiers)].join(',') : '-',
    formatUsd(run.costUsd),
    run.noReply ? 'NO_REPLY' : run.deliveryStatus,
  ]);
  io.stdout.write(
    `${formatTable(['run', 'job', 'status', 'trigger', 'slot', 'started', 'waited', 'tiers', 'cost', 'delivery'], rows)}\n`,
  );
}

/** One run in full: what ran, when, on which tiers and models, what it cost, where it went, and its output. */
function printRun(io: CliIo, run: RunRecord, deliveries: DeliveryRecord[]): void {
  const lines: [string, string][] = [
    ['run', run.id],
    ['job', `${run.jobId} (agent ${run.agentId})`],
    ['status', `${run.status}${run.attempt > 1 ? ` after ${run.attempt} attempts` : ''}`],
    ['trigger', `${run.trigger}${run.retryOf ? ` of ${run.retryOf}` : ''}`],
    ['slot', time(run.slotTime)],
    ['queued', time(run.queuedAt)],
    ...(run.status === 'queued' && run.notBefore !== undefined
      ? [['retry at', time(run.notBefore)] as [string, string]]
      : []),
    ['started', time(run.startedAt)],
    ['finished', time(run.finishedAt)],
    ['session', run.sessionId ?? '-'],
    [
      'models',
      run.models.length > 0
        ? run.models.map((model, index) => `${model} (tier ${run.tiers[index]})`).join(', ')
        : '-',
    ],
    [
      'escalations',
      run.escalations.length > 0
        ? run.escalations.map((step) => `from tier ${step.fromTier}: ${step.reason}`).join('; ')
        : '-',
    ],
    ['cost', `${formatUsd(run.costUsd)} (${run.usage.input} in / ${run.usage.output} out tokens)`],
    ['delivery', run.noReply ? 'NO_REPLY (nothing to deliver)' : run.deliveryStatus],
    ...deliveries.map((delivery): [string, string] => [
      '',
      `${delivery.id} ${[delivery.channel, delivery.to, delivery.thread].filter(Boolean).join(':')} ${delivery.state} ${delivery.chunksSent}/${delivery.chunkCount} chunks${delivery.lastError ? `: ${delivery.lastError}` : ''}`,
    ]),
  ];
  if (run.error) lines.push(['error', run.error]);
  const width = Math.max(...lines.map(([label]) => label.length));
  io.stdout.write(lines.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n'));
  io.stdout.write(`\n\n${run.output === undefined ? '(no output)' : run.output}\n`);
}

/** `pyramid runs [--job <id>] [--status <s>] [--json]`: run history, newest first; `runs show <id>`: one run. */
export function registerRunsCommand(program: Command, io: CliIo): void {
  const runs = program
    .command('runs')
    .description('run history, newest first: status, slot, waiting time, tiers, cost, delivery')
    .option('--job <id>', 'only this job')
    .option('--status <status>', `only runs in this status (${runStatuses.join(', ')})`)
    .option('--limit <n>', 'at most this many runs', '50')
    .option('--json', 'print JSON (outputs included)')
    .action(
      async (options: { job?: string; status?: string; limit: string; json?: boolean }, command: Command) => {
        const limit = parseLimitOption(options.limit);
        if (options.status !== undefined && !runStatuses.includes(options.status as RunStatus)) {
          throw new PyramidError(
            'usage',
            `--status takes one of ${runStatuses.join(', ')}, not "${options.status}"`,
          );
        }
        const platform = await createPlatform(io, command.optsWithGlobals<GlobalOptions>());
        try {
          const list = await platform.schedulerStore.listRuns({
            ...(options.job ? { jobId: options.job } : {}),
            ...(options.status ? { status: options.status as RunStatus } : {}),
            limit,
          });
          printRuns(io, list, options.json);
        } finally {
          await platform.close();
        }
      },
    );
  runs
    .command('show <id>')
    .description('one run in full: times, models and tiers, escalations, cost, deliveries, error and output')
    .option('--json', 'print { run, deliveries } as JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const platform = await createPlatform(io, command.optsWithGlobals<GlobalOptions>());
      try {
        const run = await platform.schedulerStore.getRun(id);
        if (!run) throw new PyramidError('run_not_found', `no run ${id} (see pyramid runs)`);
        const deliveries = await platform.outbox.list({ runId: id, limit: 100 });
        // `runs` has its own --json, which commander gives to it when both could take the flag.
        if (options.json || command.optsWithGlobals<{ json?: boolean }>().json) {
          io.stdout.write(`${JSON.stringify({ run, deliveries: deliveries.map(deliveryView) }, null, 2)}\n`);
          return;
        }
        printRun(io, run, deliveries);
      } finally {
        await platform.close();
      }
    });
}
