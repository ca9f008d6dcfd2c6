import { z } from 'zod';
import { didYouMean } from '../closest-name.ts';
import type { ConfigSection, SectionIssue } from '../config-section.ts';

/** The protocols with an embeddings endpoint Pyramid speaks (Anthropic has none). */
const embeddingApis = ['ollama', 'openai-completions', 'google-generative-ai'];

const schema = z
  .array(z.string().min(1))
  .optional()
  .describe(
    'Embedding models (names under models) in failover order, for POST /v1/embeddings: Ollama (api: ollama), OpenAI-compatible (openai-completions) or Gemini (google-generative-ai).',
  );

export const embeddingsSection: ConfigSection<typeof schema, string[] | undefined> = {
  schema,

  check(raw, names) {
    const issues: SectionIssue[] = [];
    if (!Array.isArray(raw)) return issues;
    const seen = new Set<string>();
    raw.forEach((model, position) => {
      if (typeof model !== 'string' || model === '') return;
      if (!names.models.has(model))
        issues.push({
          path: [position],
          message: `unknown model "${model}"${didYouMean(model, names.models)}: define it under models`,
        });
      const api = names.modelApis?.get(model);
      if (api !== undefined && !embeddingApis.includes(api))
        issues.push({
          path: [position],
          message: `model "${model}" is served by an ${api} provider, which has no embeddings endpoint: list models of an ${embeddingApis.join(', ')} provider`,
        });
      if (seen.has(model)) issues.push({ path: [position], message: `model "${model}" is listed twice` });
      seen.add(model);
    });
    return issues;
  },

  resolve(embeddings) {
    return embeddings?.length ? [...embeddings] : undefined;
  },
};
