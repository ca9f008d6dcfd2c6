import { PyramidError } from '../../contracts/errors/pyramid-error.ts';

export { jobToRaw } from '../../config/job-to-raw.ts';

/** The options `jobs add` and `jobs edit` take. */
export type JobOptions = {
  agent?: string;
  cron?: string;
  every?: string;
  at?: string;
  tz?: string;
  message?: string;
  systemEvent?: string;
  session?: string;
  timeout?: string;
  retries?: string;
  backoff?: string;
  overlap?: string;
  catchUp?: string;
  disabled?: boolean;
  /** `--deliver`, repeated: `channel`, `channel:to` or `channel:to:thread`; `""` alone means the agent's targets. */
  deliver?: string[];
  /** `--output`: `text`, `json`, or a JSON Schema as JSON text. */
  output?: string;
};

/** Applies command-line options over a raw job definition (the YAML shape). */
export function applyJobOptions(raw: Record<string, unknown>, options: JobOptions): Record<string, unknown> {
  const next = { ...raw };
  if (options.agent !== undefined) next.agent = options.agent;
  if (options.cron !== undefined)
    next.schedule = { cron: options.cron, ...(options.tz ? { tz: options.tz } : {}) };
  else if (options.every !== undefined) next.schedule = { every: numberOrText(options.every) };
  else if (options.at !== undefined) next.schedule = { at: options.at };
  else if (options.tz !== undefined && typeof next.schedule === 'object' && next.schedule !== null) {
    next.schedule = { ...(next.schedule as object), tz: options.tz };
  }
  if (options.message !== undefined) {
    next.payload = { kind: 'agentTurn', message: options.message };
    if (
      options.session === undefined &&
      raw.session === 'main' &&
      raw.payload &&
      (raw.payload as { kind?: string }).kind === 'systemEvent'
    ) {
      next.session = 'isolated';
    }
  }
  if (options.systemEvent !== undefined) next.payload = { kind: 'systemEvent', text: options.systemEvent };
  if (options.session !== undefined) next.session = options.session;
  if (options.timeout !== undefined) next.timeout = numberOrText(options.timeout);
  if (options.retries !== undefined) next.retries = numberOrText(options.retries);
  if (options.backoff !== undefined) next.backoff = numberOrText(options.backoff);
  if (options.overlap !== undefined) next.overlap = options.overlap;
  if (options.catchUp !== undefined) next.catchUp = options.catchUp;
  if (options.disabled) next.enabled = false;
  if (options.deliver !== undefined) next.deliver = options.deliver.filter(Boolean).map(parseDeliverOption);
  // `--output ""` goes back to the agent's format.
  if (options.output !== undefined)
    next.output = options.output === '' ? undefined : parseOutputOption(options.output);
  return next;
}

/** Collects repeated `--deliver` values (commander calls it once per occurrence). */
export function collectDeliverOption(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--output json`, `--output text` or `--output '{"type":"object",...}'` (a JSON Schema; defineJob checks it). */
function parseOutputOption(text: string): unknown {
  if (!text.trimStart().startsWith('{')) return text;
  try {
    return { schema: JSON.parse(text) };
  } catch (error) {
    throw new PyramidError(
      'usage',
      `--output: the JSON Schema is not valid JSON: ${(error as Error).message}`,
    );
  }
}

/**
 * One `--deliver` value as a raw target: `log`, `tg:123456789` or `tg:-100123:7` (channel, chat or
 * channel id, thread). Whether the channel exists is defineJob's check, as for the config file.
 */
function parseDeliverOption(text: string): string | Record<string, string> {
  const [channel, to, thread, ...rest] = text.split(':');
  if (rest.length > 0 || !channel || to === '' || thread === '') {
    throw new PyramidError('usage', `--deliver ${text}: expected channel, channel:to or channel:to:thread`);
  }
  if (to === undefined) return channel;
  return { channel, to, ...(thread === undefined ? {} : { thread }) };
}

/**
 * An option's text as the value the config schema checks: a number when it is written as one (`90000`,
 * `1e308`, `-1`, `1.5`), else the text itself (`15m`). The schema then gives the CLI the same answer
 * it gives the file and the HTTP API; nothing is converted here that the schema would not see.
 */
const numberOrText = (text: string): number | string =>
  /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(text.trim()) ? Number(text) : text;
