// The fleet's four providers as protocol-faithful fakes: each answers a call with the tokens of the
// agent that made it (named in its system prompt) and takes the time its model would; Gemini can be
// made to refuse connections and DeepSeek to answer 429 for a while. Each keeps its own token log, as a
// provider's billing does, to check Pyramid's accounting against.
import type { FakeBehaviour, RecordedRequest } from '../../test/fakes/fake-behaviour.ts';
import { type FakeModelServer, startFakeModelServer } from '../../test/fakes/start-fake-model-server.ts';
import { callMs, thinking } from './fleet-config.ts';
import { type FleetModel, fleetModels } from './fleet-models.ts';
import type { FleetAgent } from './seed-fleet.ts';

export type ProviderLog = { calls: number; input: number; output: number; limited: number };

export type FleetFakes = {
  baseUrls: Record<string, string>;
  /** Tokens answered per model (the provider's own log). */
  log: Record<string, ProviderLog>;
  /** Stops `provider`'s server: connections are refused until `restore`. */
  refuse(provider: string): Promise<void>;
  restore(provider: string): Promise<void>;
  /** Until `untilMs`, `provider` answers every request (probes too) 429 with this Retry-After. */
  rateLimit(provider: string, untilMs: number, retryAfterSeconds: number): void;
  close(): Promise<void>;
};

/** A small seeded generator, so that a run's token counts can be repeated. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const agentPattern = /\[fleet:([a-z0-9-]+)\]/;
// Ollama's `think: false`, Gemini's thinking budget 0: the caller switched thinking off.
const thinkingOffPattern = /"think":false|"thinkingBudget":0/;

export async function startFleetFakes(fleet: FleetAgent[], random: () => number): Promise<FleetFakes> {
  const agents = new Map(fleet.map((agent) => [agent.id, agent]));
  const servers = new Map<string, FakeModelServer>();
  const ports = new Map<string, number>();
  const limits = new Map<string, { untilMs: number; retryAfterSeconds: number }>();
  const log: Record<string, ProviderLog> = {};

  const responder = (model: FleetModel) => (request: RecordedRequest) => {
    const entry = log[model.name];
    const limit = limits.get(model.provider);
    if (limit && Date.now() < limit.untilMs) {
      entry.limited++;
      return { error: 'rate-limited', headers: { 'retry-after': String(limit.retryAfterSeconds) } } as const;
    }
    if (request.method !== 'POST') return undefined; // a models-list probe
    const text = JSON.stringify(request.body);
    const agent = agents.get(agentPattern.exec(text)?.[1] ?? '');
    if (!agent) return undefined;
    return answer(model, agent, thinkingOffPattern.test(text) ? 0 : thinking(model, agent), entry);
  };

  const answer = (
    model: FleetModel,
    agent: FleetAgent,
    thought: number,
    entry: ProviderLog,
  ): FakeBehaviour => {
    const vary = () => 0.75 + random() * 0.5;
    const input = Math.round(agent.input * vary());
    const reasoning = Math.round(thought * vary());
    const empty = model.tier === 0 && agent.emptyRate !== undefined && random() < agent.emptyRate;
    const output = empty ? 0 : Math.max(1, Math.round(agent.output * vary()));
    entry.calls++;
    entry.input += input;
    entry.output += output + reasoning;
    // The answer streams in chunks of 16 characters, about four a second, over the generation time.
    const generationMs = callMs(model, 0, output + reasoning) - model.ttftMs;
    const chunks = Math.min(40, Math.max(1, Math.round(generationMs / 250)));
    const reasoningChunks =
      reasoning > 0 ? Math.max(1, Math.round((chunks * reasoning) / (reasoning + output))) : 0;
    const textChunks = Math.max(1, chunks - reasoningChunks);
    return {
      text: empty ? '' : 'Done: the work is in this answer. '.repeat(textChunks).slice(0, textChunks * 16),
      ...(reasoning > 0 && {
        reasoning: 'Thinking it over. '.repeat(reasoningChunks).slice(0, reasoningChunks * 16),
      }),
      ...(empty && { finishReason: 'length' as const }),
      chunkSize: 16,
      usage: { input, output, reasoning, cachedInput: 0 },
      ttftMs: Math.round(model.ttftMs + (input / model.promptTokensPerSecond) * 1000),
      chunkDelayMs: Math.round(generationMs / (textChunks + reasoningChunks)),
    };
  };

  const start = async (model: FleetModel) => {
    const server = await startFakeModelServer({ api: model.api, port: ports.get(model.provider) });
    server.setModels([model.id]);
    server.setResponder(responder(model));
    servers.set(model.provider, server);
    ports.set(model.provider, Number(new URL(server.origin).port));
  };
  for (const model of fleetModels) {
    log[model.name] = { calls: 0, input: 0, output: 0, limited: 0 };
    await start(model);
  }
  const modelOf = (provider: string) => fleetModels.find((model) => model.provider === provider)!;
  return {
    baseUrls: Object.fromEntries([...servers].map(([provider, server]) => [provider, server.baseUrl])),
    log,
    async refuse(provider) {
      await servers.get(provider)?.close();
      servers.delete(provider);
    },
    async restore(provider) {
      await start(modelOf(provider));
    },
    rateLimit(provider, untilMs, retryAfterSeconds) {
      limits.set(provider, { untilMs, retryAfterSeconds });
    },
    async close() {
      await Promise.all([...servers.values()].map((server) => server.close()));
    },
  };
}
