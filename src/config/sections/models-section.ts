import { z } from 'zod';
import { type ModelConfig, modelInputs, structuredOutputModes } from '../../contracts/pyramid-config.ts';
import { didYouMean } from '../closest-name.ts';
import type { ConfigSection, SectionIssue } from '../config-section.ts';
import { nameSchema, positiveInteger } from '../names.ts';
import { asMapping, mappingEntries } from '../raw-value.ts';

export const defaultMinOutputTokens = 1024;

/** Below this many output tokens a reasoning model can spend its whole budget thinking and answer nothing. */
export const reasoningTokenFloor = 500;

const price = z.number().min(0, { error: 'a price cannot be negative' });

const costSchema = z
  .strictObject({
    input: price.describe('USD per 1M input tokens.'),
    output: price.describe('USD per 1M output tokens.'),
    cacheRead: price.optional().describe('USD per 1M cached input tokens (default: the input price).'),
  })
  .describe('Prices in USD per 1M tokens (required, so that the ledger never counts a paid model as free).');

const modelSchema = z
  .strictObject({
    provider: z.string().min(1).describe('The name of a provider in the providers section.'),
    id: z.string().min(1).describe("The provider's own model id (qwen3:14b, gemini-2.5-flash)."),
    reasoning: z.boolean().default(false).describe('True for models that think before answering.'),
    minOutputTokens: positiveInteger
      .default(defaultMinOutputTokens)
      .describe(
        'For reasoning models: the floor for max output tokens, so thinking cannot eat the whole answer.',
      ),
    templateOpensThink: z
      .boolean()
      .default(false)
      .describe(
        "True when the model's chat template writes <think> into the prompt, so its answers hold only </think> (qwen3 or DeepSeek-R1 behind vLLM or LM Studio without a reasoning parser): the text before </think> is then reasoning, streamed or not.",
      ),
    maxTokens: positiveInteger.optional().describe('Max output tokens when the caller gives none.'),
    contextWindow: positiveInteger.optional().describe('Context window in tokens.'),
    structuredOutput: z
      .enum(structuredOutputModes, { error: `expected one of ${structuredOutputModes.join(', ')}` })
      .default('native')
      .describe(
        "How a JSON Schema asked for reaches the model: native (the protocol's own schema field), json (JSON mode only, for servers that reject schemas, such as DeepSeek), none (nothing sent). Pyramid checks the answer against the schema in every case.",
      ),
    input: z
      .array(z.enum(modelInputs, { error: `expected one of ${modelInputs.join(', ')}` }))
      .refine((inputs) => inputs.includes('text'), { error: 'must include text' })
      .default(['text'])
      .describe(
        'What the model takes: [text] (the default) or [text, image] for a vision model. Requests with images go only to models that declare image.',
      ),
    cost: costSchema,
  })
  .describe('A model: which provider serves it, its id there, and its price.');

const schema = z
  .record(nameSchema('model'), modelSchema)
  .refine((models) => Object.keys(models).length > 0, { error: 'at least one model is required' })
  .describe('Models by name. Tiers, tasks and traces use these names.');

export const modelsSection: ConfigSection<typeof schema, Record<string, ModelConfig>> = {
  schema,

  check(raw, names) {
    const issues: SectionIssue[] = [];
    for (const [name, model] of mappingEntries(raw)) {
      const fields = asMapping(model) ?? {};
      const { provider, maxTokens, contextWindow } = fields;
      if (typeof provider === 'string' && provider !== '' && !names.providers.has(provider)) {
        issues.push({
          path: [name, 'provider'],
          message: `unknown provider "${provider}"${didYouMean(provider, names.providers)}: define it under providers`,
        });
      }
      if (typeof maxTokens === 'number' && typeof contextWindow === 'number' && maxTokens > contextWindow) {
        issues.push({
          path: [name, 'maxTokens'],
          message: `must not exceed contextWindow (${contextWindow})`,
        });
      }
    }
    return issues;
  },

  warn(models) {
    const issues: SectionIssue[] = [];
    const lesson = `reasoning models given fewer than ${reasoningTokenFloor} output tokens can spend them all thinking and return empty answers (qwen3 does)`;
    for (const [name, model] of Object.entries(models)) {
      if (!model.reasoning) continue;
      if (model.minOutputTokens < reasoningTokenFloor) {
        issues.push({ path: [name, 'minOutputTokens'], message: `is ${model.minOutputTokens}: ${lesson}` });
      }
      if (model.maxTokens !== undefined && model.maxTokens < reasoningTokenFloor) {
        issues.push({ path: [name, 'maxTokens'], message: `is ${model.maxTokens}: ${lesson}` });
      }
    }
    return issues;
  },

  resolve(models) {
    const resolved: Record<string, ModelConfig> = {};
    for (const [name, model] of Object.entries(models)) {
      resolved[name] = {
        name,
        provider: model.provider,
        id: model.id,
        reasoning: model.reasoning,
        minOutputTokens: model.minOutputTokens,
        ...(model.templateOpensThink ? { templateOpensThink: true } : {}),
        ...(model.maxTokens === undefined ? {} : { maxTokens: model.maxTokens }),
        ...(model.contextWindow === undefined ? {} : { contextWindow: model.contextWindow }),
        ...(model.structuredOutput === 'native' ? {} : { structuredOutput: model.structuredOutput }),
        ...(model.input.includes('image') ? { input: [...new Set(model.input)] } : {}),
        cost: {
          input: model.cost.input,
          output: model.cost.output,
          cacheRead: model.cost.cacheRead ?? model.cost.input,
        },
      };
    }
    return resolved;
  },
};
