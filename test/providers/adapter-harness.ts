import type { ModelAnswer, ModelCall, ModelStreamEvent } from '../../src/contracts/model-call.ts';
import type { ModelConfig, ProviderApi, ProviderConfig } from '../../src/contracts/pyramid-config.ts';
import { createModelAdapter } from '../../src/providers/create-model-adapter.ts';
import { fakeModelConfig, fakeProviderConfig, testTimeouts } from '../fakes/fake-provider-config.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';

export const apis: ProviderApi[] = [
  'openai-completions',
  'ollama',
  'anthropic-messages',
  'google-generative-ai',
];

/** A fake server and an adapter pointed at it. */
export async function startHarness(
  api: ProviderApi,
  overrides: { provider?: Partial<ProviderConfig>; model?: Partial<ModelConfig> } = {},
) {
  const fake: FakeModelServer = await startFakeModelServer({ api });
  const provider = fakeProviderConfig(fake, overrides.provider);
  const model = fakeModelConfig(provider, overrides.model);
  const adapter = createModelAdapter({ provider, model });
  return { fake, provider, model, adapter };
}

/** A one-message call with the test timeouts, overridable. */
export function call(overrides: Partial<ModelCall> = {}): ModelCall {
  return { messages: [{ role: 'user', content: 'What is 6 x 7?' }], timeouts: testTimeouts, ...overrides };
}

/** Every event of a stream, in order. */
export async function collect(stream: AsyncIterable<ModelStreamEvent>): Promise<ModelStreamEvent[]> {
  const events: ModelStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** The text, reasoning and finish event of a collected stream. */
export function summarise(events: ModelStreamEvent[]) {
  let text = '';
  let reasoning = '';
  for (const event of events) {
    if (event.type === 'text-delta') text += event.text;
    if (event.type === 'reasoning-delta') reasoning += event.text;
  }
  const finish = events.at(-1);
  return { text, reasoning, finish: finish?.type === 'finish' ? finish : undefined };
}

/** Runs a call both ways and returns the settled outcome, for tests that check either path. */
export type Mode = 'generate' | 'stream';
export const modes: Mode[] = ['generate', 'stream'];
export async function run(
  adapter: ReturnType<typeof createModelAdapter>,
  mode: Mode,
  modelCall: ModelCall,
): Promise<ModelAnswer | ModelStreamEvent[]> {
  return mode === 'generate' ? adapter.generate(modelCall) : collect(adapter.stream(modelCall));
}
