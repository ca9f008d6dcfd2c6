import type { z } from 'zod';

/** The environment secrets are read from; passed in, never read from `process.env` here. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A problem found inside one section, with a path relative to the section (the loader adds the key and the line). */
export type SectionIssue = { path: (string | number)[]; message: string };

/** Names other sections refer to, read from the raw file so one broken entry never hides another error. */
export type ConfigNames = {
  providers: ReadonlySet<string>;
  models: ReadonlySet<string>;
  /** Each model's provider `api` as written (models whose provider or api is missing are left out). */
  modelApis?: ReadonlyMap<string, string>;
  /** Channel names with the type each is written with ('' when missing), for delivery targets. */
  channels: ReadonlyMap<string, string>;
  /** Number of tiers; 0 when the tiers section is missing or not a list. */
  tierCount: number;
  /** router.maxTier as written (when it is a whole number), else the last tier. */
  maxTier: number;
  /** Task names written under `tasks` (plus `default`). */
  tasks?: ReadonlySet<string>;
  /** scheduler.minInterval as written (when valid), else undefined for the default. */
  minIntervalMs?: number;
  /** Agent ids written under `agents`. */
  agents?: ReadonlySet<string>;
  /** Agent ids written with `mainSession: true` (the only ones whose jobs may use `session: main`). */
  mainSessionAgents?: ReadonlySet<string>;
};

export type ResolveContext = { env: Env; names: ConfigNames };

/**
 * One top-level section of pyramid.yaml. Adding a section is one file exporting one of these plus one
 * line in config-sections.ts.
 */
export type ConfigSection<Schema extends z.ZodType, Resolved> = {
  /** The YAML shape, with defaults and descriptions (exported as JSON Schema for editors). */
  schema: Schema;
  /** Errors that involve other sections (a model's provider must exist). Runs on the raw value, defensively. */
  check?(raw: unknown, names: ConfigNames): SectionIssue[];
  /** Problems worth a warning in a valid section (never thrown). */
  warn?(value: z.output<Schema>): SectionIssue[];
  /** The validated section turned into its resolved form (undefined to leave the key out). */
  resolve(value: z.output<Schema>, context: ResolveContext): Resolved;
};
