import type { PyramidConfig } from '../contracts/pyramid-config.ts';
import type { ProviderHealth } from '../gateway/health-monitor.ts';

/**
 * The one screen `pyramid start` prints when no model of any tier can answer (every provider without
 * its key, or not reachable at its first probe), with the two ways out; undefined when one can. A
 * probe not run yet (`reachable: null`) counts as able: the screen is for certainties.
 */
export function noModelCanAnswer(
  config: Pick<PyramidConfig, 'providers' | 'models' | 'tiers'>,
  health: Record<string, ProviderHealth>,
  options: { pid: number; envFile: string },
): string | undefined {
  const used = [...new Set(config.tiers.flat().map((model) => config.models[model]?.provider))].flatMap(
    (name) => (name && config.providers[name] ? [config.providers[name]] : []),
  );
  const why = new Map<string, string>();
  for (const provider of used) {
    if (provider.unavailableReason) why.set(provider.name, provider.unavailableReason);
    else if (health[provider.name]?.reachable === false)
      why.set(
        provider.name,
        `not reachable at ${provider.baseUrl} (${health[provider.name].reason ?? 'no answer'})`,
      );
  }
  if (used.length === 0 || why.size < used.length) return undefined;

  const local = used.filter((provider) => provider.api === 'ollama');
  const localModels = Object.values(config.models).filter((model) =>
    local.some((provider) => provider.name === model.provider),
  );
  const keys = used.flatMap((provider) =>
    (provider.missingEnv ?? []).map((name) => ({ name, provider: provider.name })),
  );
  const width = Math.max(0, ...keys.map((key) => key.name.length));
  const ways: string[][] = [];
  if (local.length > 0) {
    ways.push([
      `Start Ollama (https://ollama.com: the app, or \`ollama serve\`) and pull the local model${localModels.length === 1 ? '' : 's'}:`,
      ...[...new Set(localModels.map((model) => model.id))].map((id) => `  ollama pull ${id}`),
      'Pyramid probes it and uses it as soon as it answers (every gateway.probeInterval).',
    ]);
  }
  if (keys.length > 0) {
    ways.push([
      `Set one cloud key in ${options.envFile} (one NAME=value a line, mode 0600):`,
      ...keys.map((key) => `  ${`${key.name}=...`.padEnd(width + 4)}  (${key.provider})`),
      `then reload the config: kill -HUP ${options.pid} (or export the key and restart)`,
    ]);
  }
  const rule = '-'.repeat(72);
  return [
    rule,
    'No model can answer: every request fails (HTTP 502, all_candidates_failed) until one can.',
    '',
    ...[...why].map(([name, reason]) => `  ${name}: ${reason}`),
    '',
    ...(ways.length === 0
      ? []
      : [
          `${ways.length === 1 ? 'The way' : 'Two ways'} out (pyramid keeps running; no restart needed):`,
          ...ways.flatMap((lines, index) => [
            `  ${index + 1}. ${lines[0]}`,
            ...lines.slice(1).map((line) => `     ${line}`),
          ]),
        ]),
    rule,
    '',
  ].join('\n');
}
