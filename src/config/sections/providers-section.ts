import { z } from 'zod';
import { fetchBadPorts } from '../../contracts/fetch-bad-ports.ts';
import type { ProviderConfig } from '../../contracts/pyramid-config.ts';
import { providerApis } from '../../contracts/pyramid-config.ts';
import { didYouMean } from '../closest-name.ts';
import type { ConfigSection, SectionIssue } from '../config-section.ts';
import { durationSchema } from '../duration-schema.ts';
import { nameSchema } from '../names.ts';
import { parseDuration, tryParseDuration } from '../parse-duration.ts';
import { mappingEntries } from '../raw-value.ts';
import { isEnvReference, type ResolvedSecret, resolveSecret, secretSchema } from '../secret-reference.ts';

export const defaultOllamaBaseUrl = 'http://127.0.0.1:11434';
export const defaultTimeouts = { connect: '10s', firstToken: '60s', total: '300s' } as const;

const validApis = providerApis.join(', ');

const apiSchema = z
  .enum(providerApis, {
    error: (issue) =>
      issue.input === undefined
        ? `is required: every provider names the wire protocol it speaks, one of ${validApis}`
        : `unknown api ${JSON.stringify(issue.input)}${typeof issue.input === 'string' ? didYouMean(issue.input, providerApis) : ''}: expected one of ${validApis}`,
  })
  .describe(`The wire protocol this provider speaks (required): ${validApis}.`);

const timeoutsSchema = z
  .strictObject({
    connect: durationSchema('Until the response headers arrive.').default(defaultTimeouts.connect),
    firstToken: durationSchema('Until the first text or reasoning token of a stream.').default(
      defaultTimeouts.firstToken,
    ),
    total: durationSchema('The whole call.').default(defaultTimeouts.total),
  })
  .superRefine((timeouts, context) => {
    const total = tryParseDuration(timeouts.total) ?? Number.POSITIVE_INFINITY;
    for (const key of ['connect', 'firstToken'] as const) {
      if ((tryParseDuration(timeouts[key]) ?? 0) > total) {
        context.addIssue({
          code: 'custom',
          path: [key],
          message: `must not be longer than total (${timeouts.total})`,
        });
      }
    }
  })
  .describe('Time limits for one call to one model of this provider.');

const providerSchema = z
  .strictObject({
    api: apiSchema,
    baseUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
      .optional()
      .describe(`The API root URL. Required, except for api: ollama (default ${defaultOllamaBaseUrl}).`),
    apiKey: secretSchema('The API key.').optional(),
    headers: z
      .record(z.string(), secretSchema('A header value.'))
      .default({})
      .describe('Extra HTTP headers sent with every call; values may be env: references.'),
    timeouts: timeoutsSchema.prefault({}),
  })
  .describe('A model API endpoint: how to reach it and which protocol it speaks.');

const schema = z
  .record(nameSchema('provider'), providerSchema)
  .refine((providers) => Object.keys(providers).length > 0, { error: 'at least one provider is required' })
  .describe('Model API endpoints by name. Models refer to them by this name.');

const secretHeaderName = /auth|key|token|secret|cookie/i;

export const providersSection: ConfigSection<typeof schema, Record<string, ProviderConfig>> = {
  schema,

  check(raw) {
    const issues: SectionIssue[] = [];
    for (const [name, provider] of mappingEntries(raw)) {
      const fields = Object.fromEntries(mappingEntries(provider));
      const api = fields.api;
      if (typeof api === 'string' && api !== 'ollama' && (providerApis as readonly string[]).includes(api)) {
        if (fields.baseUrl === undefined) {
          issues.push({
            path: [name, 'baseUrl'],
            message: `is required for api ${api} (only ollama has a default, ${defaultOllamaBaseUrl})`,
          });
        }
      }
    }
    return issues;
  },

  warn(providers) {
    const issues: SectionIssue[] = [];
    for (const [name, provider] of Object.entries(providers)) {
      if (provider.apiKey !== undefined && !isEnvReference(provider.apiKey)) {
        issues.push({
          path: [name, 'apiKey'],
          message: `is a literal secret in the config file; put it in an environment variable and write apiKey: "env:${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY"`,
        });
      }
      const port =
        provider.baseUrl && URL.canParse(provider.baseUrl) ? Number(new URL(provider.baseUrl).port) : 0;
      if (fetchBadPorts.has(port)) {
        issues.push({
          path: [name, 'baseUrl'],
          message: `uses port ${port}, which fetch refuses to connect to (a "bad port" in the Fetch standard): health probes${provider.api === 'openai-completions' ? '' : ' and calls'} to it fail before reaching the server; serve the provider on another port`,
        });
      }
      for (const [header, value] of Object.entries(provider.headers)) {
        if (secretHeaderName.test(header) && !isEnvReference(value)) {
          issues.push({
            path: [name, 'headers', header],
            message:
              'looks like a literal secret in the config file; write "env:NAME" to read it from the environment',
          });
        }
      }
    }
    return issues;
  },

  resolve(providers, { env }) {
    const resolved: Record<string, ProviderConfig> = {};
    for (const [name, provider] of Object.entries(providers)) {
      const unavailable: string[] = [];
      const missingEnv: string[] = [];
      const apiKey: ResolvedSecret = provider.apiKey === undefined ? {} : resolveSecret(provider.apiKey, env);
      if (apiKey.unavailableReason) unavailable.push(apiKey.unavailableReason);
      if (apiKey.missingEnv) missingEnv.push(apiKey.missingEnv);
      const headers: Record<string, string> = {};
      for (const [header, written] of Object.entries(provider.headers)) {
        const value = resolveSecret(written, env);
        if (value.value !== undefined) headers[header] = value.value;
        if (value.unavailableReason) unavailable.push(value.unavailableReason);
        if (value.missingEnv) missingEnv.push(value.missingEnv);
      }
      const baseUrl = provider.baseUrl ?? defaultOllamaBaseUrl;
      resolved[name] = {
        name,
        api: provider.api,
        baseUrl: baseUrl.replace(/\/+$/, ''),
        ...(apiKey.value === undefined ? {} : { apiKey: apiKey.value }),
        ...(unavailable.length === 0 ? {} : { unavailableReason: unavailable.join('; ') }),
        ...(missingEnv.length === 0 ? {} : { missingEnv }),
        headers,
        timeouts: {
          connectMs: parseDuration(provider.timeouts.connect),
          firstTokenMs: parseDuration(provider.timeouts.firstToken),
          totalMs: parseDuration(provider.timeouts.total),
        },
      };
    }
    return resolved;
  },
};
