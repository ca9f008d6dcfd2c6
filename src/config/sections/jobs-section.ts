import { z } from 'zod';
import type { JobConfig } from '../../contracts/pyramid-config.ts';
import { nameSuggester } from '../closest-name.ts';
import type { ConfigSection, SectionIssue } from '../config-section.ts';
import { cronIssues } from '../cron-issue.ts';
import { durationSchema } from '../duration-schema.ts';
import { nameSchema } from '../names.ts';
import { outputFormatSchema, resolveOutputFormat } from '../output-format-schema.ts';
import { parseDuration, tryParseDuration } from '../parse-duration.ts';
import { asMapping } from '../raw-value.ts';
import { defaultMinIntervalMs, formatDuration, maxEveryMs, shortestCronGapMs } from '../schedule-limits.ts';
import { deliveryTargetIssues, deliveryTargetsSchema, resolveDeliveryTargets } from './channels-section.ts';

/** The message for the one combination that cannot work; the seed lost hours to it being undocumented. */
export const systemEventIsolatedMessage =
  'a systemEvent cannot run in an isolated session: it has no turn of its own. Use an agentTurn payload ' +
  '({ kind: agentTurn, message: "..." }; CLI: --message) for an isolated run, or session: main';

const scheduleSchema = z
  .union(
    [
      z.strictObject({
        cron: z.string().min(1).describe('A cron expression (5 fields, or 6 with seconds).'),
        tz: z.string().min(1).optional().describe('An IANA time zone (default: UTC).'),
      }),
      z.strictObject({
        // Not a timer: slots are computed, and the scheduler wakes at least every poll. The minimum is
        // the config's scheduler.minInterval, checked in jobIssues.
        every: durationSchema('The interval between runs (at least scheduler.minInterval, at most 365d).', {
          max: maxEveryMs,
        }),
      }),
      z.strictObject({
        at: z.iso.datetime({ offset: true, error: 'expected an ISO date-time such as 2026-12-01T09:00:00Z' }),
      }),
    ],
    { error: 'expected { cron, tz }, { every } or { at }' },
  )
  .describe(
    'When the job runs: { cron: "0 * * * *", tz: "Europe/Berlin" }, { every: "15m" } or { at: ISO time }.',
  );

const payloadSchema = z
  .discriminatedUnion(
    'kind',
    [
      z.strictObject({
        kind: z.literal('agentTurn'),
        message: z.string().min(1).describe('The message the agent receives.'),
      }),
      z.strictObject({
        kind: z.literal('systemEvent'),
        text: z.string().min(1).describe('Text added to the agent main session (no turn of its own).'),
      }),
    ],
    { error: 'expected { kind: agentTurn, message } or { kind: systemEvent, text }' },
  )
  .describe('What a run does: an agent turn with a message, or a system event for the main session.');

/** More retries than this is a loop, not a policy (each waits twice as long as the one before). */
const maxRetries = 100;

/** One job as written in YAML (also what `pyramid jobs add` and POST /api/jobs build). */
export const jobSchema = z
  .strictObject({
    id: nameSchema('job').describe('The job id.'),
    agent: nameSchema('agent').describe('The agent that runs it (an id under agents).'),
    schedule: scheduleSchema,
    payload: payloadSchema,
    session: z
      .enum(['isolated', 'main'], { error: 'expected isolated or main' })
      .optional()
      .describe('isolated (default for agentTurn): a fresh session per run; main: the agent main session.'),
    timeout: durationSchema('How long a run may take.').default('5m'),
    retries: z
      .number()
      .int({ error: 'expected a whole number' })
      .min(0, { error: 'retries cannot be negative' })
      .max(maxRetries, { error: `at most ${maxRetries} retries` })
      .default(0)
      .describe(`Retries after an error or timeout (default 0, at most ${maxRetries}).`),
    backoff: durationSchema('Wait before the first retry; doubles for each later one.').default('30s'),
    overlap: z
      .enum(['skip', 'queue'], { error: 'expected skip or queue' })
      .default('skip')
      .describe('When a slot comes while a run of the job is still queued or running: skip it, or queue it.'),
    catchUp: z
      .enum(['once', 'skip'], { error: 'expected once or skip' })
      .default('once')
      .describe('Slots missed while Pyramid was down: run once for all of them, or skip them.'),
    enabled: z.boolean().default(true),
    deliver: deliveryTargetsSchema.default([]).describe('Delivery targets (default: the agent ones).'),
    output: outputFormatSchema.optional().describe("The run's final answer format (default: the agent's)."),
  })
  .describe('A scheduled job.');

const schema = z.array(jobSchema).default([]).describe('Scheduled jobs: which agent runs, when, with what.');

const tooOften =
  'run it less often, or lower scheduler.minInterval in pyramid.yaml if this is meant (a test, a benchmark)';

/** Cross-field problems of one raw job (schedule, time zone, agent, systemEvent + isolated). */
export function jobIssues(
  raw: unknown,
  agents: ReadonlySet<string> | undefined,
  mainSessionAgents?: ReadonlySet<string>,
  /** Built once per list of jobs: suggestions for an unknown agent. */
  agentHint = agents && nameSuggester(agents, 'agents').hint,
  /** The config's scheduler.minInterval. */
  minIntervalMs = defaultMinIntervalMs,
): SectionIssue[] {
  const job = asMapping(raw);
  if (!job) return [];
  const issues: SectionIssue[] = [];
  if (typeof job.agent === 'string' && agents && !agents.has(job.agent)) {
    issues.push({
      path: ['agent'],
      message: `unknown agent "${job.agent}"${agentHint?.(job.agent) ?? ''}`,
    });
  }
  const schedule = asMapping(job.schedule);
  if (schedule && typeof schedule.cron === 'string') {
    const problems = cronIssues(schedule.cron, typeof schedule.tz === 'string' ? schedule.tz : undefined);
    for (const issue of problems) issues.push({ path: ['schedule', issue.field], message: issue.message });
    const gap = problems.some((issue) => issue.field === 'cron')
      ? undefined
      : shortestCronGapMs(schedule.cron);
    if (gap !== undefined && gap < minIntervalMs) {
      issues.push({
        path: ['schedule', 'cron'],
        message: `"${schedule.cron}" fires every ${formatDuration(gap)}, more often than scheduler.minInterval (${formatDuration(minIntervalMs)}): ${tooOften}`,
      });
    }
  }
  const every =
    schedule && (typeof schedule.every === 'string' || typeof schedule.every === 'number')
      ? tryParseDuration(schedule.every)
      : undefined;
  if (every !== undefined && every < minIntervalMs) {
    issues.push({
      path: ['schedule', 'every'],
      message: `every ${formatDuration(every)} is shorter than scheduler.minInterval (${formatDuration(minIntervalMs)}): ${tooOften}`,
    });
  }
  const systemEvent = asMapping(job.payload)?.kind === 'systemEvent';
  if (systemEvent && job.session === 'isolated') {
    issues.push({ path: ['session'], message: systemEventIsolatedMessage });
  }
  // A main session is the agent's to keep: only an agent with mainSession: true has one.
  const usesMain = job.session === 'main' || (systemEvent && job.session === undefined);
  if (
    usesMain &&
    mainSessionAgents &&
    typeof job.agent === 'string' &&
    agents?.has(job.agent) &&
    !mainSessionAgents.has(job.agent)
  ) {
    issues.push({
      path: ['session'],
      message: `agent "${job.agent}" keeps no main session: set mainSession: true on it${systemEvent ? ' (a systemEvent joins its main session)' : ', or use session: isolated'}`,
    });
  }
  return issues;
}

/** A validated job in its resolved form. */
export function resolveJob(job: z.output<typeof jobSchema>): JobConfig {
  const schedule = job.schedule;
  return {
    id: job.id,
    agent: job.agent,
    schedule:
      'cron' in schedule
        ? { kind: 'cron', cron: schedule.cron, ...(schedule.tz === undefined ? {} : { tz: schedule.tz }) }
        : 'every' in schedule
          ? { kind: 'every', everyMs: parseDuration(schedule.every) }
          : { kind: 'at', atMs: Date.parse(schedule.at) },
    payload: job.payload.kind === 'agentTurn' ? { ...job.payload } : { ...job.payload },
    session: job.session ?? (job.payload.kind === 'systemEvent' ? 'main' : 'isolated'),
    timeoutMs: parseDuration(job.timeout),
    retries: job.retries,
    backoffMs: parseDuration(job.backoff),
    overlap: job.overlap,
    catchUp: job.catchUp,
    enabled: job.enabled,
    deliver: resolveDeliveryTargets(job.deliver),
    ...(job.output === undefined ? {} : { output: resolveOutputFormat(job.output) }),
  };
}

export const jobsSection: ConfigSection<typeof schema, Record<string, JobConfig>> = {
  schema,

  check(raw, names) {
    const issues: SectionIssue[] = [];
    const seen = new Set<string>();
    const agentHint = names.agents && nameSuggester(names.agents, 'agents').hint;
    const minIntervalMs = names.minIntervalMs ?? defaultMinIntervalMs;
    (Array.isArray(raw) ? raw : []).forEach((entry, index) => {
      const id = asMapping(entry)?.id;
      if (typeof id === 'string') {
        if (seen.has(id)) issues.push({ path: [index, 'id'], message: `duplicate job id "${id}"` });
        seen.add(id);
      }
      for (const issue of jobIssues(entry, names.agents, names.mainSessionAgents, agentHint, minIntervalMs))
        issues.push({ ...issue, path: [index, ...issue.path] });
      for (const issue of deliveryTargetIssues(asMapping(entry)?.deliver, names))
        issues.push({ ...issue, path: [index, 'deliver', ...issue.path] });
    });
    return issues;
  },

  resolve(jobs) {
    return Object.fromEntries(jobs.map((job) => [job.id, resolveJob(job)]));
  },
};
