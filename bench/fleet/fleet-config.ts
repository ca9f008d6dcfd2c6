// The bench's pyramid.yaml: the four models on their fakes, the fleet's tasks, agents and jobs, with the
// day compressed into `dayMs` (a job that runs every 24 minutes of a real day runs every 24 / 1440 of it).
import { type FleetModel, fleetModels } from './fleet-models.ts';
import { type FleetAgent, fleetTasks } from './seed-fleet.ts';

export type FleetJob = { id: string; agent: string; everyMs: number };

/** The slowest a call of `agent` can be: on its own tier's model or any above it, tokens 25% over the mean. */
export function slowestCallMs(agent: FleetAgent): number {
  const over = 1.25;
  return Math.max(
    ...fleetModels
      .filter((model) => model.tier >= agent.tier)
      .map((model) => callMs(model, agent.input * over, (agent.output + thinking(model, agent)) * over)),
  );
}

/** How long a model takes for a call: time to first token, then generation. */
export const callMs = (model: FleetModel, input: number, generated: number): number =>
  model.ttftMs + (input / model.promptTokensPerSecond) * 1000 + (generated / model.tokensPerSecond) * 1000;

/** Thinking tokens a model spends on the agent's calls (Gemini Flash thinks by default). */
export const thinking = (model: FleetModel, agent: FleetAgent): number =>
  agent.reasoning > 0 && model.reasoning ? agent.reasoning : (model.thinksByDefault ?? 0);

/**
 * The jobs of the fleet: an agent's runs are spread over as many jobs (one run of a job at a time) as
 * it takes for each job's interval to be at least twice the agent's slowest call, so that no slot is
 * skipped for overlap by construction of the load. The jobs' intervals differ by a few percent (from
 * 0.9 to 1.1 times the mean), so that their slots drift apart instead of firing together.
 */
export function fleetJobs(fleet: FleetAgent[], dayMs: number): FleetJob[] {
  return fleet.flatMap((agent) => {
    const agentEveryMs = dayMs / agent.runsPerDay;
    const count = Math.max(1, Math.ceil((2 * slowestCallMs(agent)) / agentEveryMs));
    return Array.from({ length: count }, (_, index) => ({
      id: `${agent.id}-${index + 1}`,
      agent: agent.id,
      everyMs: Math.round(agentEveryMs * count * (count === 1 ? 1 : 0.9 + (0.2 * index) / (count - 1))),
    }));
  });
}

/** The config text; `baseUrls` are the fakes' base URLs by provider name. */
export function fleetYaml(fleet: FleetAgent[], jobs: FleetJob[], baseUrls: Record<string, string>): string {
  const providers = fleetModels.map(
    (model) =>
      `  ${model.provider}: { api: ${model.api}, baseUrl: "${baseUrls[model.provider]}"${
        model.api === 'ollama' ? '' : `, apiKey: "env:${model.provider.toUpperCase()}_API_KEY"`
      } }`,
  );
  const models = fleetModels.map(
    (model) =>
      `  ${model.name}: { provider: ${model.provider}, id: "${model.id}", reasoning: ${model.reasoning}, cost: { input: ${model.cost.input}, output: ${model.cost.output}, cacheRead: ${model.cost.cacheRead} } }`,
  );
  const tasks = Object.entries(fleetTasks).map(
    ([name, task]) =>
      `  ${name}: { tier: ${task.tier}${task.reasoning ? `, reasoning: ${task.reasoning}` : ''} }`,
  );
  const agents = fleet.map(
    (agent) =>
      `  - { id: ${agent.id}, task: ${agent.task}, prompt: "[fleet:${agent.id}] You are the ${agent.id} agent. Do the work you are given." }`,
  );
  const jobLines = jobs.map(
    (job) =>
      `  - { id: ${job.id}, agent: ${job.agent}, schedule: { every: ${job.everyMs}ms }, payload: { kind: agentTurn, message: "Do the next piece of work." } }`,
  );
  return [
    '# Written by bench/fleet-bench.ts',
    'providers:',
    ...providers,
    'models:',
    ...models,
    'tiers:',
    ...fleetModels.map((model) => `  - [${model.name}]`),
    'tasks:',
    '  default: 0',
    ...tasks,
    'gateway:',
    '  drainTime: 90s        # runs in flight at the end of the day finish',
    '  probeInterval: 30s',
    'concurrency: { agents: 96, subagents: 4 }',
    // A compressed day: intervals of seconds, below the 10 s default minimum.
    'scheduler: { minInterval: 1s }',
    'agents:',
    ...agents,
    'jobs:',
    ...jobLines,
    '',
  ].join('\n');
}
