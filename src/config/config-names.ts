import type { ConfigNames } from './config-section.ts';
import { tryParseDuration } from './parse-duration.ts';
import { asMapping, isTierNumber } from './raw-value.ts';
import { minIntervalFloorMs } from './schedule-limits.ts';
import { channelNames } from './sections/channels-section.ts';

/** The names sections refer to, read from the raw YAML so that one broken entry does not hide others' errors. */
export function configNames(raw: Record<string, unknown>): ConfigNames {
  const tierCount = Array.isArray(raw.tiers) ? raw.tiers.length : 0;
  const writtenMaxTier = asMapping(raw.router)?.maxTier;
  const writtenMinInterval = asMapping(raw.scheduler)?.minInterval;
  const minIntervalMs =
    typeof writtenMinInterval === 'string' || typeof writtenMinInterval === 'number'
      ? tryParseDuration(writtenMinInterval)
      : undefined;
  const providers = asMapping(raw.providers) ?? {};
  const modelApis = new Map<string, string>();
  for (const [name, model] of Object.entries(asMapping(raw.models) ?? {})) {
    const provider = asMapping(model)?.provider;
    const api = typeof provider === 'string' ? asMapping(providers[provider])?.api : undefined;
    if (typeof api === 'string') modelApis.set(name, api);
  }
  return {
    providers: new Set(Object.keys(providers)),
    modelApis,
    models: new Set(Object.keys(asMapping(raw.models) ?? {})),
    tierCount,
    channels: channelNames(raw.channels),
    tasks: new Set(['default', ...Object.keys(asMapping(raw.tasks) ?? {})]),
    agents: new Set(
      (Array.isArray(raw.agents) ? raw.agents : [])
        .map((agent) => asMapping(agent)?.id)
        .filter((id): id is string => typeof id === 'string'),
    ),
    mainSessionAgents: new Set(
      (Array.isArray(raw.agents) ? raw.agents : [])
        .map((agent) => asMapping(agent))
        .filter((agent) => agent?.mainSession === true && typeof agent.id === 'string')
        .map((agent) => agent?.id as string),
    ),
    // An invalid one is the scheduler section's error; jobs are then checked against the floor.
    ...(minIntervalMs === undefined ? {} : { minIntervalMs: Math.max(minIntervalMs, minIntervalFloorMs) }),
    maxTier: isTierNumber(writtenMaxTier) && writtenMaxTier < tierCount ? writtenMaxTier : tierCount - 1,
  };
}
