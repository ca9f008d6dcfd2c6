import type { Command } from 'commander';
import { readSmallFile } from '../../config/read-small-file.ts';
import { PyramidError } from '../../contracts/errors/pyramid-error.ts';
import { credentialsFile, maxCredentialsBytes } from '../../gateway/load-gateway-tokens.ts';
import type { CliIo } from '../cli-io.ts';
import { formatTable } from '../format-table.ts';
import { resolveRunningGateway } from '../resolve-running-gateway.ts';

type ProviderHealth = { reachable: boolean | null; reason?: string; latencyMs?: number };
type ModelHealth = {
  provider: string;
  tier: number;
  available: boolean;
  breaker: { state: string; lastFailureReason?: string };
  recent: { attempts: number; errorRate: number | null };
};
type ApiHealth = {
  status: string;
  providers: Record<string, ProviderHealth>;
  models: Record<string, ModelHealth>;
};

/** A live `pyramid start` as GET /api/processes lists it. */
type LiveProcess = {
  id: string;
  host: string;
  pid: number;
  version: string;
  startedAt: string;
  address: string | null;
  heartbeatAt: string;
  self: boolean;
};

/** What `pyramid status` found: the running gateway's health, runs in play and deliveries outstanding. */
export type StatusReport = {
  url: string;
  version: string;
  uptimeSeconds: number;
  status: string;
  providers: Record<string, ProviderHealth>;
  models: Record<string, ModelHealth>;
  runs: { running: number; queued: number };
  deliveries: { pending: number; failedLast24h: number };
  /** The live processes sharing the store (this gateway's marked `self`). */
  processes: LiveProcess[];
};

const day = 86_400_000;

/**
 * The admin token `pyramid status` uses: PYRAMID_TOKEN, else the first configured admin token with a
 * value, else the admin token `pyramid start` generated into $PYRAMID_HOME/credentials.
 */
export async function adminToken(
  io: CliIo,
  home: string,
  configured: { token?: string; scopes: string[] }[],
) {
  if (io.env.PYRAMID_TOKEN) return io.env.PYRAMID_TOKEN;
  const fromConfig = configured.find((token) => token.scopes.includes('admin') && token.token);
  if (fromConfig?.token) return fromConfig.token;
  try {
    const parsed = JSON.parse(await readSmallFile(credentialsFile(home), maxCredentialsBytes)) as {
      tokens?: { token?: string; scopes?: string[] }[];
    };
    return parsed.tokens?.find((token) => token.scopes?.includes('admin'))?.token;
  } catch {
    return undefined;
  }
}

function duration(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  return `${minutes}m ${seconds % 60}s`;
}

function printReport(io: CliIo, report: StatusReport): void {
  io.stdout.write(
    `pyramid ${report.version} at ${report.url}: ${report.status}, up ${duration(report.uptimeSeconds)}\n\n`,
  );
  const providerRows = Object.entries(report.providers).map(([name, health]) => [
    name,
    health.reachable === true ? 'reachable' : health.reachable === false ? 'unreachable' : 'not probed',
    health.latencyMs === undefined ? '-' : `${Math.round(health.latencyMs)} ms`,
    health.reason ?? '',
  ]);
  io.stdout.write(`${formatTable(['provider', 'state', 'probe', 'why'], providerRows)}\n\n`);
  const modelRows = Object.entries(report.models).map(([name, health]) => [
    name,
    health.tier < 0 ? '-' : String(health.tier),
    health.available ? 'yes' : 'no',
    health.breaker.state,
    health.recent.attempts === 0
      ? '-'
      : `${health.recent.attempts} (${Math.round((health.recent.errorRate ?? 0) * 100)}% failed)`,
  ]);
  io.stdout.write(
    `${formatTable(['model', 'tier', 'available', 'breaker', 'recent attempts'], modelRows)}\n\n`,
  );
  const processRows = report.processes.map((process) => [
    `${process.host}${process.self ? ' (this one)' : ''}`,
    String(process.pid),
    process.version,
    process.startedAt,
    process.address ?? 'starting',
    process.heartbeatAt,
  ]);
  io.stdout.write(
    `${formatTable(['process', 'pid', 'version', 'since', 'address', 'last heartbeat'], processRows)}\n\n`,
  );
  io.stdout.write(
    `runs: ${report.runs.running} running, ${report.runs.queued} queued · deliveries: ${report.deliveries.pending} pending, ${report.deliveries.failedLast24h} failed in the last 24 h\n`,
  );
}

/** `pyramid status [--json] [--url <url>]`: asks the running `pyramid start` how it is doing. */
export function registerStatusCommand(program: Command, io: CliIo): void {
  program
    .command('status')
    .description(
      'ask the running pyramid start how it is: providers, breakers, the live processes, runs in play, deliveries outstanding',
    )
    .option('--url <url>', 'the gateway (default: from gateway.bind and gateway.port in the config)')
    .option('--json', 'print the report as JSON')
    .action(async (options: { url?: string; json?: boolean }, command: Command) => {
      const { url, token } = await resolveRunningGateway(io, command, options.url);
      const fetchImpl = io.fetch ?? fetch;
      const get = async (path: string) => {
        let response: Response;
        try {
          response = await fetchImpl(`${url}${path}`, {
            headers: token ? { authorization: `Bearer ${token}` } : {},
            signal: AbortSignal.timeout(5000),
          });
        } catch (error) {
          const cause =
            error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
          throw new PyramidError(
            'not_running',
            `nothing answers at ${url} (${cause}): is pyramid start running?` +
              (options.url ? '' : ' (one started with --port or --bind: pass --url http://HOST:PORT)'),
          );
        }
        if (response.status === 401 || response.status === 403) {
          throw new PyramidError(
            'token_refused',
            `${url} refused the token (${response.status}): set PYRAMID_TOKEN to an admin token of that gateway`,
          );
        }
        if (!response.ok)
          throw new PyramidError('status_failed', `${url}${path} answered ${response.status}`);
        return response.json() as Promise<unknown>;
      };
      const live = (await get('/health')) as { version: string; uptimeSeconds: number };
      const [health, running, queued, pending, failed, processes] = await Promise.all([
        get('/api/health') as Promise<ApiHealth>,
        get('/api/runs?status=running&limit=1000') as Promise<{ runs: unknown[] }>,
        get('/api/runs?status=queued&limit=1000') as Promise<{ runs: unknown[] }>,
        get('/api/deliveries?state=pending&limit=1000') as Promise<{ deliveries: unknown[] }>,
        get('/api/deliveries?state=failed&limit=1000') as Promise<{ deliveries: { createdAt: string }[] }>,
        get('/api/processes') as Promise<{ processes: LiveProcess[] }>,
      ]);
      const since = (io.now ?? Date.now)() - day;
      const report: StatusReport = {
        url,
        version: live.version,
        uptimeSeconds: live.uptimeSeconds,
        status: health.status,
        providers: health.providers,
        models: health.models,
        runs: { running: running.runs.length, queued: queued.runs.length },
        deliveries: {
          pending: pending.deliveries.length,
          failedLast24h: failed.deliveries.filter((delivery) => Date.parse(delivery.createdAt) >= since)
            .length,
        },
        processes: processes.processes,
      };
      if (options.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printReport(io, report);
    });
}
