import type { Command } from 'commander';
import { defineJob, jobNames } from '../../config/define-job.ts';
import { formatDuration } from '../../config/schedule-limits.ts';
import { PyramidError } from '../../contracts/errors/pyramid-error.ts';
import { describeSchedule } from '../../scheduler/job-slots.ts';
import type { JobView } from '../../scheduler/scheduler.ts';
import { throttleAdvice } from '../../scheduler/throttled-interval.ts';
import type { CliIo, GlobalOptions } from '../cli-io.ts';
import { createPlatform, type Platform } from '../create-platform.ts';
import { findStaleJobs } from '../find-stale-jobs.ts';
import { formatTable } from '../format-table.ts';
import { applyJobOptions, collectDeliverOption, type JobOptions, jobToRaw } from './job-options.ts';
import { printRuns } from './runs-command.ts';

const when = (ms: number | undefined) =>
  ms === undefined ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z');

function printJobs(io: CliIo, jobs: JobView[], json: boolean | undefined): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(jobs, null, 2)}\n`);
    return;
  }
  if (jobs.length === 0) {
    io.stdout.write('no jobs: add one under jobs: in pyramid.yaml or with `pyramid jobs add`\n');
    return;
  }
  const rows = jobs.map((job) => [
    job.id,
    job.definition.agent,
    job.throttledToMs === undefined
      ? describeSchedule(job.definition.schedule)
      : `${describeSchedule(job.definition.schedule)} (held to ${formatDuration(job.throttledToMs)}: minInterval)`,
    job.definition.payload.kind,
    job.definition.session,
    job.enabled ? 'yes' : 'no',
    job.source,
    job.enabled ? when(job.nextRunAt) : '- (disabled)',
  ]);
  io.stdout.write(
    `${formatTable(['job', 'agent', 'schedule', 'payload', 'session', 'enabled', 'from', 'next run'], rows)}\n`,
  );
}

function withScheduleOptions(command: Command): Command {
  return command
    .option('--agent <id>', 'the agent that runs it')
    .option('--cron <expression>', 'a cron schedule ("0 * * * *")')
    .option('--every <duration>', 'an interval schedule ("15m")')
    .option('--at <time>', 'one run at an ISO time ("2026-12-01T09:00:00Z")')
    .option('--tz <zone>', 'the time zone of --cron (IANA, default UTC)')
    .option('--message <text>', 'an agentTurn payload: the message the agent gets')
    .option('--system-event <text>', 'a systemEvent payload (main session only; it has no turn of its own)')
    .option('--session <kind>', 'isolated (default for --message) or main')
    .option('--timeout <duration>', 'how long a run may take (default 5m)')
    .option('--retries <n>', 'retries after an error or timeout (default 0)')
    .option('--backoff <duration>', 'wait before the first retry (default 30s)')
    .option('--overlap <policy>', 'skip or queue (default skip)')
    .option('--catch-up <policy>', 'once or skip (default once)')
    .option(
      '--deliver <target>',
      'deliver runs to a channel from channels: (name, name:chat or name:chat:thread); repeat for more; ' +
        'replaces the list on edit, "" goes back to the agent targets',
      collectDeliverOption,
    )
    .option(
      '--output <format>',
      'the final answer\'s format: json, a JSON Schema (\'{"type":"object",...}\') or text (default: the agent\'s)',
    )
    .option('--disabled', 'keep it off (not scheduled) until pyramid jobs enable <id>')
    .option('--json', 'print the job as JSON');
}

/** `pyramid jobs list|add|edit|rm|run|enable|disable`. */
export function registerJobsCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const jobs = program
    .command('jobs')
    .description('scheduled agent jobs: list, add, edit, remove, run, enable, disable');

  const withPlatform = async (command: Command, work: (platform: Platform) => Promise<void> | void) => {
    const platform = await createPlatform(io, command.optsWithGlobals<GlobalOptions>());
    try {
      await work(platform);
    } finally {
      await platform.close();
    }
  };

  jobs
    .command('list')
    .description('every job (from pyramid.yaml and added ones) with its next run')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }, command: Command) =>
      withPlatform(command, async (platform) => {
        // Read-only: nothing is stored, so a later first start has no missed slot to catch up.
        const list = await platform.createScheduler().previewJobs();
        printJobs(io, list, options.json);
        for (const job of list) {
          if (job.throttledToMs === undefined || !job.enabled) continue;
          const schedule = job.definition.schedule;
          io.stderr.write(`warning: ${throttleAdvice({ ...job, schedule }, job.throttledToMs)}\n`);
        }
        for (const stale of findStaleJobs(list, jobNames(platform.config))) {
          io.stderr.write(
            `warning: job ${stale.id} no longer fits the config (${stale.problems.join('; ')}): fix it with pyramid jobs edit ${stale.id}, or remove it\n`,
          );
        }
      }),
    );

  withScheduleOptions(
    jobs.command('add <id>').description('add a job (stored; pyramid start picks it up)'),
  ).action((id: string, options: JobOptions & { json?: boolean }, command: Command) =>
    withPlatform(command, async (platform) => {
      if (options.agent === undefined) {
        throw new PyramidError('usage', 'give the job an agent: --agent <id> (see agents: in pyramid.yaml)');
      }
      if (options.cron === undefined && options.every === undefined && options.at === undefined) {
        throw new PyramidError(
          'usage',
          'give the job a schedule: --cron <expression> [--tz <zone>], --every <duration> or --at <ISO time>',
        );
      }
      if (options.message === undefined && options.systemEvent === undefined) {
        throw new PyramidError(
          'usage',
          'give the job a payload: --message <text> (or --system-event <text> with --session main)',
        );
      }
      const definition = defineJob(applyJobOptions({ id }, options), jobNames(platform.config));
      const scheduler = platform.createScheduler();
      await scheduler.reconcile();
      const view = await scheduler.addJob(definition);
      if (options.json) printJobs(io, [view], true);
      else io.stdout.write(`added job ${view.id}; next run ${when(view.nextRunAt)}\n`);
    }),
  );

  withScheduleOptions(jobs.command('edit <id>').description('change fields of an added job')).action(
    (id: string, options: JobOptions & { json?: boolean }, command: Command) =>
      withPlatform(command, async (platform) => {
        const scheduler = platform.createScheduler();
        await scheduler.reconcile();
        const existing = (await scheduler.listJobs()).find((job) => job.id === id);
        if (!existing)
          throw new PyramidError('job_not_found', `no job named "${id}" (see pyramid jobs list)`);
        const definition = defineJob(
          applyJobOptions(jobToRaw(existing.definition), options),
          jobNames(platform.config),
        );
        const view = await scheduler.editJob(definition);
        if (options.json) printJobs(io, [view], true);
        else io.stdout.write(`edited job ${view.id}; next run ${when(view.nextRunAt)}\n`);
      }),
  );

  jobs
    .command('rm <id>')
    .description('remove an added job (its run history stays)')
    .action((id: string, _options: unknown, command: Command) =>
      withPlatform(command, async (platform) => {
        const scheduler = platform.createScheduler();
        await scheduler.reconcile();
        await scheduler.removeJob(id);
        io.stdout.write(`removed job ${id}\n`);
      }),
    );

  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    jobs
      .command(`${name} <id>`)
      .description(`${name} a job (config jobs too; the switch is stored)`)
      .action((id: string, _options: unknown, command: Command) =>
        withPlatform(command, async (platform) => {
          const scheduler = platform.createScheduler();
          await scheduler.reconcile();
          await scheduler.setEnabled(id, enabled);
          io.stdout.write(`${enabled ? 'enabled' : 'disabled'} job ${id}\n`);
        }),
      );
  }

  jobs
    .command('run <id>')
    .description('run a job now, in this process, and print its output')
    .option('--json', 'print the run as JSON')
    .action((id: string, options: { json?: boolean }, command: Command) =>
      withPlatform(command, async (platform) => {
        const scheduler = platform.createScheduler();
        await scheduler.reconcile();
        const queued = await scheduler.runNow(id);
        const finished = await scheduler.waitForRun(queued.id);
        // Read back: the delivery sink settles the status (none without targets) after the run ends.
        const run = (await scheduler.getRun(finished.id)) ?? finished;
        if (run.status !== 'ok') setExitCode(1);
        if (options.json) {
          io.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
          return;
        }
        printRuns(io, [run], false);
        if (run.output !== undefined) io.stdout.write(`\n${run.output}\n`);
        if (run.error) io.stderr.write(`error: ${run.error}\n`);
        if (run.deliveryStatus === 'pending') {
          io.stderr.write(
            'delivery pending: the running pyramid start sends it (or the next one does); ' +
              `see pyramid deliveries --run ${run.id}\n`,
          );
        }
      }),
    );

  jobs.action(() => {
    jobs.help();
  });
}
