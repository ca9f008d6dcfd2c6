import type {
  FinishReason,
  ModelAdapter,
  ModelAnswer,
  ModelCall,
  ModelStreamEvent,
} from '../../src/contracts/model-call.ts';
import type { Usage } from '../../src/contracts/usage.ts';

/** What one scripted call does. */
export type Script = {
  text?: string;
  chunks?: string[];
  finishReason?: FinishReason;
  usage?: Partial<Usage>;
  error?: Error;
  /** Stream only: throw this after the chunks went out. */
  errorAfterChunks?: Error;
  /** Wait before answering; in a stream the call's signal ends the wait with its reason, as a real adapter's would. */
  delayMs?: number;
  /** Stream only: answer only once this settles (a test decides when a call in flight ends). */
  until?: Promise<unknown>;
};

/**
 * An in-process ModelAdapter that plays scripted answers, for the router's decision logic. The HTTP
 * paths are covered against the fake servers in router-over-http.test.ts.
 */
export class ScriptedAdapters {
  readonly calls: Array<{ model: string; call: ModelCall; mode: 'generate' | 'stream' }> = [];
  readonly #scripts = new Map<string, Script[]>();
  readonly #defaults = new Map<string, Script>();

  /** Queue scripts for a model; when its queue is empty it plays its default, or answers `ok from <model>`. */
  queue(model: string, ...scripts: Script[]): this {
    this.#scripts.set(model, [...(this.#scripts.get(model) ?? []), ...scripts]);
    return this;
  }

  setDefault(model: string, script: Script): this {
    this.#defaults.set(model, script);
    return this;
  }

  callsTo(model: string): number {
    return this.calls.filter((call) => call.model === model).length;
  }

  adapterFor = (model: string): ModelAdapter => ({
    api: 'scripted',
    modelId: model,
    generate: (call) => this.#generate(model, call),
    stream: (call) => this.#stream(model, call),
  });

  #next(model: string): Script {
    return this.#scripts.get(model)?.shift() ?? this.#defaults.get(model) ?? { text: `ok from ${model}` };
  }

  async #generate(model: string, call: ModelCall): Promise<ModelAnswer> {
    this.calls.push({ model, call, mode: 'generate' });
    const script = this.#next(model);
    if (script.delayMs) await new Promise((resolve) => setTimeout(resolve, script.delayMs));
    if (script.error) throw script.error;
    const text = script.text ?? (script.chunks ?? []).join('');
    return {
      text,
      reasoningText: '',
      toolCalls: [],
      finishReason: script.finishReason ?? 'stop',
      usage: usageOf(script),
    };
  }

  async *#stream(model: string, call: ModelCall): AsyncGenerator<ModelStreamEvent> {
    this.calls.push({ model, call, mode: 'stream' });
    const script = this.#next(model);
    if (script.delayMs) await abortableDelay(script.delayMs, call.signal);
    if (script.until) await script.until;
    if (script.error) throw script.error;
    for (const chunk of script.chunks ?? (script.text ? [script.text] : [])) {
      yield { type: 'text-delta', text: chunk };
    }
    if (script.errorAfterChunks) throw script.errorAfterChunks;
    yield { type: 'finish', finishReason: script.finishReason ?? 'stop', usage: usageOf(script) };
  }
}

function usageOf(script: Script): Usage {
  return { input: 100, output: 20, reasoning: 0, cachedInput: 0, ...script.usage };
}

function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
