import type { Context, Env, Hono } from 'hono';
import { jobToRaw } from '../../config/job-to-raw.ts';
import { ConfigError } from '../../contracts/errors/config-error.ts';
import { InvalidQueryError } from '../../contracts/errors/invalid-query-error.ts';
import { PyramidError } from '../../contracts/errors/pyramid-error.ts';
import { StoreError } from '../../contracts/errors/store-error.ts';
import { integerQuery, oneOfQuery, parseQuery, textQuery } from '../../contracts/parse-query.ts';
import type { JobConfig } from '../../contracts/pyramid-config.ts';
import { runStatuses } from '../../contracts/scheduler-store.ts';
import type { Scheduler } from '../scheduler.ts';

export type JobsRoutesOptions = {
  scheduler: Scheduler;
  /** Validates a job body with the config rules (config's defineJob with the agent ids). */
  defineJob: (raw: unknown) => JobConfig;
};

const runsQuery = {
  job: textQuery(),
  status: oneOfQuery(runStatuses),
  limit: integerQuery({ min: 1, max: 1000, fallback: 100 }),
};

const parseRunsQuery = (query: Record<string, string[]>) => parseQuery(query, runsQuery);

const statusFor: Record<string, 400 | 404 | 409> = {
  job_not_found: 404,
  job_exists: 409,
  job_from_config: 409,
};

/**
 * GET/POST /api/jobs, PATCH /api/jobs/:id (an added job's fields), POST /api/jobs/:id/run, GET /api/runs (?job=&status=&limit=), GET /api/runs/:id.
 * Mount on the gateway app behind its auth; errors are `{ error: { code, message, issues?, param? } }`
 * (`param` names a bad query parameter, read with the shared parseQuery).
 */
export function jobsRoutes<E extends Env>(app: Hono<E>, options: JobsRoutesOptions): void {
  const { scheduler } = options;
  const fail = (c: Context<E>, error: unknown) => {
    if (error instanceof ConfigError) {
      return c.json({ error: { code: 'invalid_job', message: error.message, issues: error.issues } }, 400);
    }
    if (error instanceof InvalidQueryError)
      return c.json({ error: { code: error.code, message: error.message, param: error.param } }, 400);
    // The store's own failures go to the gateway's error handler (503 with Retry-After).
    if (error instanceof PyramidError && !(error instanceof StoreError)) {
      return c.json({ error: { code: error.code, message: error.message } }, statusFor[error.code] ?? 400);
    }
    throw error;
  };

  app.get('/api/jobs', async (c) => c.json({ jobs: await scheduler.listJobs() }));

  app.post('/api/jobs', async (c) => {
    try {
      const body: unknown = await c.req.json();
      return c.json({ job: await scheduler.addJob(options.defineJob(body)) }, 201);
    } catch (error) {
      if (error instanceof SyntaxError)
        return c.json({ error: { code: 'invalid_json', message: error.message } }, 400);
      return fail(c, error);
    }
  });

  // As `pyramid jobs edit`: the fields given replace the job's (in their YAML shape), `null` drops one
  // (`output: null` goes back to the agent's format), and the whole job is validated again.
  app.patch('/api/jobs/:id', async (c) => {
    try {
      const body: unknown = await c.req.json();
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        return c.json(
          {
            error: {
              code: 'invalid_job',
              message: 'the body must be a JSON object of job fields',
              issues: [],
            },
          },
          400,
        );
      const id = c.req.param('id');
      const existing = (await scheduler.listJobs()).find((job) => job.id === id);
      if (!existing) throw new PyramidError('job_not_found', `no job named "${id}" (see GET /api/jobs)`);
      const raw: Record<string, unknown> = { ...jobToRaw(existing.definition), ...body, id };
      for (const [field, value] of Object.entries(raw)) if (value === null) delete raw[field];
      return c.json({ job: await scheduler.editJob(options.defineJob(raw)) });
    } catch (error) {
      if (error instanceof SyntaxError)
        return c.json({ error: { code: 'invalid_json', message: error.message } }, 400);
      return fail(c, error);
    }
  });

  app.post('/api/jobs/:id/run', async (c) => {
    try {
      return c.json({ run: await scheduler.runNow(c.req.param('id')) }, 202);
    } catch (error) {
      return fail(c, error);
    }
  });

  app.get('/api/runs', async (c) => {
    let query: ReturnType<typeof parseRunsQuery>;
    try {
      query = parseRunsQuery(c.req.queries());
    } catch (error) {
      return fail(c, error);
    }
    const { job, status } = query;
    const runs = await scheduler.listRuns({
      ...(job ? { jobId: job } : {}),
      ...(status ? { status } : {}),
      limit: query.limit,
    });
    return c.json({ runs });
  });

  app.get('/api/runs/:id', async (c) => {
    const run = await scheduler.getRun(c.req.param('id'));
    if (!run)
      return c.json({ error: { code: 'run_not_found', message: `no run ${c.req.param('id')}` } }, 404);
    return c.json({ run });
  });
}
