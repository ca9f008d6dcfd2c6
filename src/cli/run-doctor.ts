import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { jobNames } from '../config/define-job.ts';
import type { Env } from '../config/index.ts';
import { loadConfig } from '../config/index.ts';
import { calculateCost } from '../contracts/calculate-cost.ts';
import { ConfigError } from '../contracts/errors/config-error.ts';
import { formatUsd } from '../contracts/format-usd.ts';
import type { PyramidConfig } from '../contracts/pyramid-config.ts';
import { createModelAdapter } from '../providers/create-model-adapter.ts';
import { createProviderProbe } from '../providers/create-provider-probe.ts';
import type { JobView } from '../scheduler/index.ts';
import { askRunningInstance } from '../service/ask-running-instance.ts';
import type { DoctorCheck } from '../service/doctor-check.ts';
import { instanceSocketPath } from '../service/instance-socket-path.ts';
import { loadEnvFile } from '../service/load-env-file.ts';
import { openReadOnly } from '../service/open-read-only.ts';
import { permissionChecks } from '../service/permission-checks.ts';
import { postgresStoreHealthChecks } from '../service/postgres-store-health.ts';
import { storeHealthChecks } from '../service/store-health.ts';
import { findStaleJobs } from './find-stale-jobs.ts';
import { processStaleAfterMs } from './start-process-heartbeat.ts';

/** A typical request for the cloud-only estimate: 1,000 tokens in, 300 out. */
const typicalUsage = { input: 1000, output: 300, reasoning: 0, cachedInput: 0 };
/** qwen3 returns nothing visible below about this many max tokens. */
const reasoningFloor = 500;
const probeTimeoutMs = 10_000;

export type DoctorOptions = {
  home: string;
  configFile: string;
  env: Env;
  deep: boolean;
  fetch?: typeof fetch;
  nodeVersion?: string;
  /** The service's check (the manager is asked by the caller, which knows the platform). */
  serviceCheck: () => Promise<DoctorCheck>;
};

/** Every check of `pyramid doctor`, in order. Read-only: it writes no file and changes no state. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const nodeVersion = options.nodeVersion ?? process.versions.node;
  const major = Number(nodeVersion.split('.')[0]);
  checks.push(
    major >= 24
      ? { name: 'node', status: 'ok', detail: `Node ${nodeVersion}` }
      : {
          name: 'node',
          status: 'fail',
          detail: `Node ${nodeVersion}`,
          fix: 'run Pyramid through npx pyramid (the pinned Node 24)',
        },
  );
  checks.push(...permissionChecks(options.home, options.configFile));

  let env = options.env;
  try {
    env = loadEnvFile(options.home, options.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Reported by the permission check above; the config is read without it.
  }
  let config: PyramidConfig | undefined;
  try {
    const loaded = await loadConfig({ file: options.configFile, env });
    config = loaded.config;
    checks.push({ name: 'config', status: 'ok', detail: `${options.configFile} is valid` });
    for (const warning of loaded.warnings) {
      checks.push({
        name: 'config warning',
        status: 'warn',
        detail: `${warning.line ? `line ${warning.line}: ` : ''}${warning.path}: ${warning.message}`,
        fix: 'see the message; pyramid config validate lists them',
      });
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    checks.push({
      name: 'config',
      status: 'fail',
      detail: error.message,
      fix: 'fix each problem listed (pyramid config validate)',
    });
  }

  const reachable = new Set<string>();
  if (config) {
    for (const provider of Object.values(config.providers)) {
      if (provider.unavailableReason) {
        checks.push({
          name: `provider ${provider.name}`,
          status: 'warn',
          detail: `not usable: ${provider.unavailableReason}`,
          fix: 'set the variable in the environment or in PYRAMID_HOME/env, or remove the provider',
        });
        continue;
      }
      try {
        const { latencyMs } = await createProviderProbe({ provider, fetch: fetchImpl }).probe({
          timeoutMs: probeTimeoutMs,
        });
        reachable.add(provider.name);
        checks.push({
          name: `provider ${provider.name}`,
          status: 'ok',
          detail: `reachable, key accepted (${latencyMs} ms)`,
        });
      } catch (error) {
        const code = (error as { code?: string }).code;
        const keyRefused =
          code === 'auth' ||
          (error as { statusCode?: number }).statusCode === 401 ||
          (error as { statusCode?: number }).statusCode === 403;
        checks.push({
          name: `provider ${provider.name}`,
          status: 'fail',
          detail: `${keyRefused ? 'key refused' : 'unreachable'}: ${(error as Error).message}`,
          fix: keyRefused
            ? 'check the API key'
            : `check that ${provider.baseUrl} is up and reachable from here`,
        });
      }
    }
    for (const model of Object.values(config.models)) {
      if (!model.reasoning) continue;
      checks.push(
        model.minOutputTokens < reasoningFloor
          ? {
              name: `model ${model.name} token floor`,
              status: 'warn',
              detail: `minOutputTokens ${model.minOutputTokens}: a reasoning model below about ${reasoningFloor} often answers nothing visible`,
              fix: `set models.${model.name}.minOutputTokens to 1024`,
            }
          : {
              name: `model ${model.name} token floor`,
              status: 'ok',
              detail: `minOutputTokens ${model.minOutputTokens}`,
            },
      );
    }
    const tierZero = config.tiers[0] ?? [];
    const answering = tierZero.filter((name) => reachable.has(config.models[name].provider));
    if (answering.length > 0) {
      checks.push({ name: 'tier 0', status: 'ok', detail: `${answering.join(', ')} can answer` });
    } else {
      const cloud = config.tiers
        .slice(1)
        .flat()
        .map((name) => config.models[name])
        .filter((model) => reachable.has(model.provider));
      const cheapest = cloud
        .map((model) => ({ model, cost: calculateCost(model.cost, typicalUsage) * 1000 }))
        .sort((a, b) => a.cost - b.cost)[0];
      checks.push({
        name: 'tier 0',
        status: 'warn',
        detail: `no tier 0 model can answer${cheapest ? `: every request goes to the cloud, at least ${formatUsd(cheapest.cost)} per 1,000 requests (${cheapest.model.name}, 1,000 tokens in and 300 out each)` : ''}`,
        fix: 'start Ollama and pull qwen3:14b (ollama pull qwen3:14b)',
      });
    }
    if (options.deep) {
      for (const model of Object.values(config.models)) {
        const provider = config.providers[model.provider];
        if (!reachable.has(provider.name)) continue;
        try {
          const answer = await createModelAdapter({ provider, model, fetch: fetchImpl }).generate({
            messages: [{ role: 'user', content: 'Reply with the word OK.' }],
            maxTokens: model.reasoning ? model.minOutputTokens : 16,
            timeouts: provider.timeouts,
          });
          checks.push(
            answer.text.trim() === ''
              ? {
                  name: `model ${model.name}`,
                  status: 'warn',
                  detail: `answered nothing visible (${answer.finishReason})`,
                  fix: 'raise its minOutputTokens, or check the model id',
                }
              : {
                  name: `model ${model.name}`,
                  status: 'ok',
                  detail: `answered (${answer.usage.input} in, ${answer.usage.output} out)`,
                },
          );
        } catch (error) {
          checks.push({
            name: `model ${model.name}`,
            status: 'fail',
            detail: (error as Error).message,
            fix: `check models.${model.name}.id and the provider`,
          });
        }
      }
    }
    for (const [name, channel] of Object.entries(config.channels ?? {})) {
      checks.push(await channelCheck(name, channel, fetchImpl));
    }
  }

  const store = config?.store;
  if (store?.kind === 'postgres') {
    // A shared store: the processes are the registry's, the health the server's (no pyramid.db here).
    checks.push(await options.serviceCheck());
    if (store.url === undefined)
      checks.push({
        name: 'store',
        status: 'fail',
        detail: `store.url: ${store.unavailableReason ?? 'is not set'}`,
        fix: 'export it (postgresql://user:password@host:5432/database)',
      });
    else checks.push(...(await postgresStoreHealthChecks(store.url, processStaleAfterMs(store.leaseMs))));
    return checks;
  }
  checks.push(await gatewayCheck(options.home, fetchImpl));
  checks.push(await options.serviceCheck());
  const dbFile = join(options.home, 'pyramid.db');
  checks.push(...storeHealthChecks(dbFile));
  if (config && existsSync(dbFile)) checks.push(staleJobsCheck(dbFile, config));
  return checks;
}

async function channelCheck(
  name: string,
  channel: NonNullable<PyramidConfig['channels']>[string],
  fetchImpl: typeof fetch,
): Promise<DoctorCheck> {
  const check = `channel ${name}`;
  if (channel.type !== 'telegram' && channel.type !== 'slack') {
    return { name: check, status: 'ok', detail: `${channel.type} (not probed)` };
  }
  if (!channel.botToken) {
    return {
      name: check,
      status: 'warn',
      detail: `not usable: ${channel.unavailableReason ?? 'no bot token'}`,
      fix: 'set the bot token variable',
    };
  }
  const token = channel.botToken;
  try {
    const response =
      channel.type === 'telegram'
        ? await fetchImpl(
            `${(channel.apiRoot ?? 'https://api.telegram.org').replace(/\/+$/, '')}/bot${token}/getMe`,
            {
              signal: AbortSignal.timeout(probeTimeoutMs),
            },
          )
        : await fetchImpl(
            new URL('auth.test', (channel.apiUrl ?? 'https://slack.com/api/').replace(/\/*$/, '/')),
            {
              method: 'POST',
              headers: { authorization: `Bearer ${token}` },
              signal: AbortSignal.timeout(probeTimeoutMs),
            },
          );
    const body = (await response.json().catch(() => ({}))) as {
      ok?: boolean;
      error?: string;
      description?: string;
      result?: { username?: string };
      user?: string;
    };
    if (body.ok) {
      const who = channel.type === 'telegram' ? `@${body.result?.username}` : body.user;
      return {
        name: check,
        status: 'ok',
        detail: `${channel.type === 'telegram' ? 'getMe' : 'auth.test'}: ${who}`,
      };
    }
    const why = (body.description ?? body.error ?? `HTTP ${response.status}`).replaceAll(token, '[redacted]');
    return {
      name: check,
      status: 'fail',
      detail: `${channel.type} refused the token: ${why}`,
      fix: 'check the bot token',
    };
  } catch (error) {
    return {
      name: check,
      status: 'fail',
      detail: `${channel.type} unreachable: ${(error as Error).message.replaceAll(token, '[redacted]')}`,
      fix: 'check the network (or apiRoot / apiUrl)',
    };
  }
}

async function gatewayCheck(home: string, fetchImpl: typeof fetch): Promise<DoctorCheck> {
  let instance: Awaited<ReturnType<typeof askRunningInstance>>;
  try {
    instance = await askRunningInstance(instanceSocketPath(home));
  } catch (error) {
    return { name: 'gateway', status: 'warn', detail: `cannot tell: ${(error as Error).message}` };
  }
  if (!instance)
    return {
      name: 'gateway',
      status: 'warn',
      detail: 'not running',
      fix: 'pyramid start, or pyramid service install',
    };
  if (!instance.url)
    return { name: 'gateway', status: 'warn', detail: `pid ${instance.pid} is still starting` };
  try {
    const response = await fetchImpl(`${instance.url}/health`, {
      signal: AbortSignal.timeout(probeTimeoutMs),
    });
    return response.ok
      ? { name: 'gateway', status: 'ok', detail: `pid ${instance.pid} answers on ${instance.url}` }
      : {
          name: 'gateway',
          status: 'fail',
          detail: `pid ${instance.pid} answered /health with ${response.status}`,
          fix: 'see its log',
        };
  } catch (error) {
    return {
      name: 'gateway',
      status: 'fail',
      detail: `pid ${instance.pid} holds the home but ${instance.url} does not answer: ${(error as Error).message}`,
      fix: `restart it (kill ${instance.pid})`,
    };
  }
}

/** Added jobs whose agent or channel the config no longer has, read through a read-only connection. */
function staleJobsCheck(dbFile: string, config: PyramidConfig): DoctorCheck {
  let db: DatabaseSync | undefined;
  try {
    db = openReadOnly(dbFile);
    const rows = db.prepare("SELECT id, definition FROM jobs WHERE source = 'store'").all() as {
      id: string;
      definition: string;
    }[];
    const jobs = rows.map(
      (row) =>
        ({ id: row.id, source: 'store', enabled: true, definition: JSON.parse(row.definition) }) as JobView,
    );
    const stale = findStaleJobs(jobs, jobNames(config));
    return stale.length === 0
      ? {
          name: 'jobs',
          status: 'ok',
          detail: `${rows.length} added job${rows.length === 1 ? '' : 's'} fit the config`,
        }
      : {
          name: 'jobs',
          status: 'warn',
          detail: stale.map((job) => `${job.id}: ${job.problems.join('; ')}`).join(' | '),
          fix: 'pyramid jobs edit <id> or pyramid jobs rm <id>',
        };
  } catch (error) {
    return {
      name: 'jobs',
      status: 'warn',
      detail: `cannot read the added jobs: ${(error as Error).message}`,
    };
  } finally {
    db?.close();
  }
}
