import type { ChatRequest } from '../contracts/chat-request.ts';
import { ImagesUnsupportedError } from '../contracts/errors/images-unsupported-error.ts';
import { UnknownModelError } from '../contracts/errors/unknown-model-error.ts';
import { messageImages } from '../contracts/message.ts';
import type { ReasoningLevel } from '../contracts/model-call.ts';
import type { PyramidConfig } from '../contracts/pyramid-config.ts';
import type { PlanEntry } from '../contracts/trace.ts';
import { imageRefusal } from './image-refusal.ts';

export type Plan = {
  task: string;
  resolvedTask: string;
  reasoning?: ReasoningLevel;
  /** In the order they will be tried. */
  candidates: PlanEntry[];
  /** A pinned model never escalates to another tier. */
  pinned: boolean;
  notes: string[];
};

/** The names a caller may use for `model`: configured model names and `tier:<n>`. */
export function validModelNames(config: PyramidConfig): string[] {
  return [...Object.keys(config.models), ...config.tiers.map((_, tier) => `tier:${tier}`)];
}

function entry(config: PyramidConfig, model: string, tier: number): PlanEntry {
  const provider = config.providers[config.models[model].provider];
  const reason = provider.unavailableReason;
  return reason
    ? { model, provider: provider.name, tier, available: false, note: reason }
    : { model, provider: provider.name, tier, available: true };
}

/**
 * The deterministic plan for one request: the task's minimum tier, its models in failover order, then
 * every higher tier up to the maximum; with images, only models that take them are available. No
 * model is consulted to decide.
 */
export function buildPlan(config: PyramidConfig, request: ChatRequest): Plan {
  const notes: string[] = [];
  const task = request.task ?? 'default';
  let resolvedTask = task;
  if (!config.tasks[task]) {
    resolvedTask = 'default';
    notes.push(`unknown task type "${task}": using "default" (tier ${config.tasks.default.tier})`);
  }
  const taskConfig = config.tasks[resolvedTask];
  const reasoning = request.reasoning ?? taskConfig.reasoning;
  const lastTier = config.tiers.length - 1;

  if (request.model !== undefined) {
    const model = config.models[request.model];
    if (!model) throw new UnknownModelError(request.model, validModelNames(config));
    const tier = config.tiers.findIndex((names) => names.includes(request.model!));
    const sameTier =
      tier < 0
        ? [request.model]
        : [request.model, ...config.tiers[tier].filter((name) => name !== request.model)];
    notes.push(`pinned to ${request.model}: failover within its tier only, no escalation`);
    return {
      task,
      resolvedTask,
      reasoning,
      candidates: withImageInput(
        config,
        request,
        sameTier.map((name) => entry(config, name, tier)),
      ),
      pinned: true,
      notes,
    };
  }

  let startTier = request.startTier ?? taskConfig.tier;
  if (!Number.isInteger(startTier) || startTier < 0 || startTier > lastTier) {
    throw new UnknownModelError(`tier:${startTier}`, validModelNames(config));
  }
  if (request.escalation) {
    const above = request.escalation.fromTier + 1;
    if (above > startTier) startTier = Math.min(above, lastTier);
    notes.push(`escalation requested from tier ${request.escalation.fromTier}: ${request.escalation.reason}`);
  }
  let maxTier = Math.min(request.maxTier ?? taskConfig.maxTier ?? config.router.maxTier, lastTier);
  if (maxTier < startTier) {
    notes.push(`max tier ${maxTier} is below the start tier ${startTier}: staying at tier ${startTier}`);
    maxTier = startTier;
  }
  const candidates: PlanEntry[] = [];
  for (let tier = startTier; tier <= maxTier; tier++) {
    for (const name of config.tiers[tier]) candidates.push(entry(config, name, tier));
  }
  return {
    task,
    resolvedTask,
    reasoning,
    candidates: withImageInput(config, request, candidates),
    pinned: false,
    notes,
  };
}

/**
 * A request with images: candidates that cannot take them are marked unavailable with the reason
 * (the trace shows it); when none can, ImagesUnsupportedError names every candidate and why.
 */
function withImageInput(config: PyramidConfig, request: ChatRequest, candidates: PlanEntry[]): PlanEntry[] {
  const images = messageImages(request.messages);
  if (images.length === 0) return candidates;
  const refusals: { model: string; reason: string }[] = [];
  const marked = candidates.map((candidate) => {
    const reason = imageRefusal(config, candidate.model, images);
    if (!reason) return candidate;
    refusals.push({ model: candidate.model, reason });
    return { ...candidate, available: false, note: reason };
  });
  if (refusals.length === candidates.length) throw new ImagesUnsupportedError(refusals);
  return marked;
}
