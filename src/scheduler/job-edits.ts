import { PyramidError } from '../contracts/errors/pyramid-error.ts';
import type { JobConfig, PyramidConfig } from '../contracts/pyramid-config.ts';
import type { SchedulerStore, SchedulerWrite, StoredJob } from '../contracts/scheduler-store.ts';
import type { Clock } from './clock.ts';
import { firstSlot } from './first-slot.ts';
import { isJobEnabled } from './is-job-enabled.ts';
import type { JobSlotsCache } from './job-slots-cache.ts';
import { nextRunField } from './next-run-field.ts';
import { reconcileWrites } from './reconcile-writes.ts';
import { resumeSlot } from './resume-slot.ts';

export type JobEditsOptions = {
  store: SchedulerStore;
  clock: Clock;
  slots: JobSlotsCache;
  /** The config in use now (a reload replaces it): its jobs and agents. */
  config: () => PyramidConfig;
};

/**
 * The store writes of job edits: config jobs brought in line with the file, and stored jobs added,
 * edited, removed and switched from the CLI and API, with their checks (config jobs are edited in
 * pyramid.yaml, but can be switched on and off).
 */
export class JobEdits {
  readonly #options: JobEditsOptions;

  constructor(options: JobEditsOptions) {
    this.#options = options;
  }

  /** Brings stored config jobs in line with the config's, in one commit however many changed. */
  async reconcile(): Promise<void> {
    const { store, clock, slots, config } = this.#options;
    const stored = await store.listJobs();
    const writes = reconcileWrites(config().jobs ?? {}, stored, slots, clock.now());
    if (writes.length > 0) await store.batch(writes);
  }

  /** Every stored job as reconcile would leave it, by id, without writing anything. */
  async preview(): Promise<StoredJob[]> {
    const { store, clock, slots, config } = this.#options;
    const stored = new Map((await store.listJobs()).map((job) => [job.id, job]));
    const configured = config().jobs ?? {};
    for (const write of reconcileWrites(configured, [...stored.values()], slots, clock.now())) {
      if (write.op === 'deleteJob') stored.delete(write.id);
      else if (write.op === 'putJob') stored.set(write.job.id, write.job);
    }
    return [...stored.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Stores a new job (already validated by defineJob) with its first slot. */
  async add(definition: JobConfig): Promise<void> {
    this.checkAgent(definition);
    const { store, clock, slots } = this.#options;
    if (await store.getJob(definition.id)) {
      throw new PyramidError('job_exists', `a job named "${definition.id}" already exists`);
    }
    const now = clock.now();
    await store.putJob({
      id: definition.id,
      source: 'store',
      definition,
      ...nextRunField(firstSlot(definition, slots, now)),
      createdAt: now,
      updatedAt: now,
    });
  }

  /** Replaces a stored job's definition, keeping its next slot when the schedule is the same. */
  async edit(definition: JobConfig): Promise<void> {
    const existing = await this.require(definition.id);
    if (existing.source === 'config') {
      throw new PyramidError(
        'job_from_config',
        `job "${definition.id}" is defined in pyramid.yaml: edit it there`,
      );
    }
    this.checkAgent(definition);
    const { store, clock, slots } = this.#options;
    const now = clock.now();
    const sameSchedule = JSON.stringify(existing.definition.schedule) === JSON.stringify(definition.schedule);
    await store.putJob({
      ...existing,
      definition,
      ...nextRunField(sameSchedule ? existing.nextRunAt : firstSlot(definition, slots, now)),
      updatedAt: now,
    });
  }

  /** Removes a stored job (its run history stays). */
  async remove(id: string): Promise<void> {
    const existing = await this.require(id);
    if (existing.source === 'config') {
      throw new PyramidError('job_from_config', `job "${id}" is defined in pyramid.yaml: remove it there`);
    }
    await this.#options.store.deleteJob(id);
  }

  /** Stores a job's switch (it wins over the file); a job being enabled resumes at or after now. */
  async setEnabled(id: string, enabled: boolean): Promise<void> {
    const job = await this.require(id);
    const { store, clock, slots } = this.#options;
    const now = clock.now();
    const writes: SchedulerWrite[] = [{ op: 'setEnabledOverride', id, enabled, now }];
    if (enabled && !isJobEnabled(job)) {
      writes.push({ op: 'setNextRun', id, nextRunAt: resumeSlot(job.definition, job.nextRunAt, slots, now) });
    }
    await store.batch(writes);
  }

  /** The stored job named `id`; `job_not_found` when there is none. */
  async require(id: string): Promise<StoredJob> {
    const job = await this.#options.store.getJob(id);
    if (!job) throw new PyramidError('job_not_found', `no job named "${id}" (see pyramid jobs list)`);
    return job;
  }

  /** Throws `agent_missing` when the job's agent is not in the config. */
  checkAgent(definition: JobConfig): void {
    const agents = this.#options.config().agents;
    if (!agents?.[definition.agent]) {
      const known = Object.keys(agents ?? {});
      throw new PyramidError(
        'agent_missing',
        `unknown agent "${definition.agent}"${known.length ? ` (known: ${known.join(', ')})` : ' (no agents are defined)'}`,
      );
    }
  }
}
