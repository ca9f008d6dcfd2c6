import type { PyramidConfig } from '../contracts/pyramid-config.ts';
import { GatewayHttpError } from './gateway-http-error.ts';

/** How the `model` field (and `x-pyramid-task`) steer the router: a task, a start tier or a pinned model. */
export type ModelSelection = { task?: string; startTier?: number; model?: string };

/** The names `model` accepts: `auto`, `task:<type>`, `tier:<n>` and the configured models. */
export function virtualModelNames(
  config: Pick<PyramidConfig, 'tasks' | 'tiers' | 'models' | 'aliases'>,
): string[] {
  return [
    'auto',
    ...Object.keys(config.tasks).map((task) => `task:${task}`),
    ...config.tiers.map((_, tier) => `tier:${tier}`),
    ...Object.keys(config.models),
    ...Object.keys(config.aliases ?? {}),
  ];
}

/** What an alias stands for: the exact name first, then the longest matching wildcard (`*` is any text). */
export function resolveAlias(aliases: Record<string, string> | undefined, name: string): string | undefined {
  if (!aliases) return undefined;
  if (Object.hasOwn(aliases, name)) return aliases[name];
  let best: string | undefined;
  for (const pattern of Object.keys(aliases)) {
    if (!pattern.includes('*') || (best !== undefined && pattern.length <= best.length)) continue;
    const source = pattern
      .split('*')
      .map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    if (new RegExp(`^${source}$`).test(name)) best = pattern;
  }
  return best === undefined ? undefined : aliases[best];
}

/**
 * Resolves `model` (`auto`, `task:<type>`, `tier:<n>`, a configured model name or an alias of one) and the
 * `x-pyramid-task` header. Unknown names and tasks are a 400 listing the valid ones; a task named in
 * `model` wins over the header.
 */
export function resolveModelField(
  config: Pick<PyramidConfig, 'tasks' | 'tiers' | 'models' | 'aliases'>,
  model: string,
  headerTask: string | undefined,
): ModelSelection {
  const checkTask = (task: string, param: string) => {
    if (!Object.hasOwn(config.tasks, task))
      throw new GatewayHttpError(
        400,
        'invalid_request_error',
        'unknown_task',
        `Unknown task type '${task}'. Valid task types: ${Object.keys(config.tasks).join(', ')}.`,
        { param },
      );
    return task;
  };
  const task = headerTask ? checkTask(headerTask, 'x-pyramid-task') : undefined;
  if (model === 'auto') return { task };
  if (model.startsWith('task:')) return { task: checkTask(model.slice(5), 'model') };
  const tier = /^tier:(\d+)$/.exec(model);
  if (tier && Number(tier[1]) < config.tiers.length) return { task, startTier: Number(tier[1]) };
  if (!tier && Object.hasOwn(config.models, model)) return { task, model };
  // Known names win; an alias (checked only when the name is not one) stands for one of them.
  const alias = resolveAlias(config.aliases, model);
  if (alias !== undefined && alias !== model)
    return resolveModelField({ ...config, aliases: undefined }, alias, headerTask);
  throw new GatewayHttpError(
    400,
    'invalid_request_error',
    'model_not_found',
    `The model '${model}' does not exist. Valid models: ${virtualModelNames(config).join(', ')}.`,
    { param: 'model' },
  );
}
