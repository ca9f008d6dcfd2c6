import { z } from 'zod';
import type { StoreConfig } from '../../contracts/pyramid-config.ts';
import type { ConfigSection, SectionIssue } from '../config-section.ts';
import { durationSchema } from '../duration-schema.ts';
import { positiveInteger } from '../names.ts';
import { parseDuration } from '../parse-duration.ts';
import { isEnvReference, resolveSecret, secretSchema } from '../secret-reference.ts';

const schema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z
        .literal('sqlite')
        .describe('pyramid.db in PYRAMID_HOME: one process on one machine (the default).'),
    }),
    z.strictObject({
      kind: z
        .literal('postgres')
        .describe('A PostgreSQL database that several pyramid start processes share as one platform.'),
      url: secretSchema(
        'The connection URL, postgresql://user:password@host:5432/database (it holds a password: write env:DATABASE_URL).',
      ),
      pool: z
        .strictObject({
          max: positiveInteger
            .default(10)
            .describe('Connections each process keeps open at most (default 10).'),
        })
        .default({ max: 10 })
        .describe("Each process's connection pool."),
      lease: durationSchema(
        "How long a process holds a run without renewing it (renewed every third of it): a dead process's runs are interrupted and retried this long after it died (default 30s).",
      ).default('30s'),
    }),
  ])
  .default({ kind: 'sqlite' })
  .describe(
    'Where Pyramid keeps the ledger, jobs, runs, sessions and deliveries: sqlite (default) or postgres (several processes, one platform).',
  );

export const storeSection: ConfigSection<typeof schema, StoreConfig> = {
  schema,

  warn(store) {
    const issues: SectionIssue[] = [];
    if (
      store.kind === 'postgres' &&
      !isEnvReference(store.url) &&
      /^[^:]+:\/\/[^/@]*:[^/@]*@/.test(store.url)
    ) {
      issues.push({
        path: ['url'],
        message:
          'holds a literal password in the config file; write "env:DATABASE_URL" to read it from the environment',
      });
    }
    return issues;
  },

  resolve(store, { env }) {
    if (store.kind === 'sqlite') return { kind: 'sqlite' };
    const { value, unavailableReason } = resolveSecret(store.url, env);
    return {
      kind: 'postgres',
      ...(value === undefined ? {} : { url: value }),
      ...(unavailableReason === undefined ? {} : { unavailableReason }),
      poolMax: store.pool.max,
      leaseMs: parseDuration(store.lease),
    };
  },
};
