import { readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import { defineJob, jobNames } from '../../config/define-job.ts';
import { resolvePyramidPaths, writeStarterConfig } from '../../config/index.ts';
import { isLoopbackAddress } from '../../config/sections/gateway-section.ts';
import { ConfigError } from '../../contracts/errors/config-error.ts';
import { PyramidError } from '../../contracts/errors/pyramid-error.ts';
import {
  createGateway,
  createGatewayLogger,
  type GatewayServer,
  loadGatewayTokens,
  startGatewayServer,
} from '../../gateway/index.ts';
import { configReloadRoute } from '../../gateway/routes/config-reload-route.ts';
import { jobsRoutes } from '../../scheduler/http/jobs-routes.ts';
import type { CliIo, GlobalOptions } from '../cli-io.ts';
import { createConfigReloader } from '../create-config-reloader.ts';
import { createPlatform } from '../create-platform.ts';
import { findStaleJobs } from '../find-stale-jobs.ts';
import { printWarnings } from '../print-warnings.ts';
import { startHistoryPruning } from '../start-history-pruning.ts';

type StartOptions = { port?: string; bind?: string };

const version = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Resolves on the first SIGTERM or SIGINT; a second one calls `force`. */
function shutdownSignal(force: () => void): Promise<string> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: string) => {
      if (received) return force();
      received = true;
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/** Starts the gateway server; a port that cannot be had is a clear error saying what to do, not a stack. */
async function listen(
  app: Parameters<typeof startGatewayServer>[0]['app'],
  gateway: { port: number; bind: string },
): Promise<GatewayServer> {
  try {
    return await startGatewayServer({ app, port: gateway.port, bind: gateway.bind });
  } catch (error) {
    const where = `${gateway.bind}:${gateway.port}`;
    const hints: Record<string, [string, string]> = {
      EADDRINUSE: [
        'port_in_use',
        `${where} is already in use (another pyramid start?): stop that process, or choose another port with --port or gateway.port`,
      ],
      EACCES: [
        'port_denied',
        `not allowed to listen on ${where}: ports below 1024 need privileges; choose a higher port with --port or gateway.port`,
      ],
      EADDRNOTAVAIL: [
        'bind_unavailable',
        `${gateway.bind} is not an address of this machine: use 127.0.0.1, 0.0.0.0 or one of its own addresses (--bind or gateway.bind)`,
      ],
    };
    const hint = hints[(error as NodeJS.ErrnoException).code ?? ''];
    if (hint) throw new PyramidError(hint[0], hint[1], { cause: error });
    throw error;
  }
}

/**
 * `pyramid start`: the whole platform in one process: the gateway with its health probes, the
 * scheduler running the agents, and the delivery outbox worker, until SIGTERM/SIGINT; then it drains
 * all three and exits 0.
 */
export function registerStartCommand(program: Command, io: CliIo): void {
  program
    .command('start')
    .description(
      'run the platform: the gateway (OpenAI-compatible API, usage, health, metrics), the scheduled agents and delivery, until SIGTERM or Ctrl-C',
    )
    .option('-p, --port <n>', 'port to listen on (default: gateway.port, 18789)')
    .option('--bind <address>', 'address to listen on (default: gateway.bind, 127.0.0.1)')
    .action(async (options: StartOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { configFile } = resolvePyramidPaths({
        env: io.env,
        explicitConfigPath: globals.config,
        homedir: io.homedir,
        cwd: io.cwd,
      });
      const explicit = Boolean(globals.config || io.env.PYRAMID_CONFIG);
      if (!explicit && !(await exists(configFile))) {
        await writeStarterConfig(configFile);
        io.stderr.write(
          `first run: wrote a starter config to ${configFile}; edit it and restart to change it\n`,
        );
      }
      const platform = await createPlatform(io, globals);
      let closed = false;
      const closePlatform = () => {
        if (!closed) platform.close();
        closed = true;
      };
      try {
        printWarnings(io, platform.warnings, { brief: true });
        const gateway = { ...platform.config.gateway! };
        if (options.port !== undefined) {
          const port = Number(options.port);
          if (!Number.isInteger(port) || port < 0 || port > 65535)
            throw new PyramidError('usage', `--port takes a port number (0-65535), not "${options.port}"`);
          gateway.port = port;
        }
        if (options.bind !== undefined) gateway.bind = options.bind;
        if (!gateway.auth.enabled && !isLoopbackAddress(gateway.bind)) {
          throw new ConfigError(
            [
              {
                path: 'gateway.auth.enabled',
                message: `refusing to listen on ${gateway.bind} without auth: bind 127.0.0.1, or turn auth on`,
              },
            ],
            platform.configFile,
          );
        }
        const { tokens, generatedFile, notices } = await loadGatewayTokens({ gateway, home: platform.home });
        for (const notice of notices) io.stderr.write(`warning: ${notice}\n`);
        if (generatedFile) {
          io.stderr.write(
            `first run: generated an admin token in ${generatedFile} (mode 0600); read it with:\n  cat ${generatedFile}\n`,
          );
        }
        const logger = createGatewayLogger(io.stdout);
        platform.checkpointInBackground((error) =>
          logger.warn({ err: error.message }, 'WAL checkpoints are back on the main thread'),
        );
        const scheduler = platform.createScheduler({
          onEvent: (event) => {
            if (event.type === 'run-finished') {
              const { run } = event;
              logger.info(
                { job: run.jobId, run: run.id, status: run.status, costUsd: run.costUsd },
                'run finished',
              );
            }
          },
        });
        const warnStaleJobs = () => {
          for (const stale of findStaleJobs(scheduler.listJobs(), jobNames(platform.config))) {
            logger.warn(
              { job: stale.id, problems: stale.problems },
              'an added job no longer fits the config (its runs fail, or their deliveries do, until it is edited or removed)',
            );
          }
        };
        const retentionEvery = () => platform.config.retention?.everyMs ?? 3_600_000;
        let pruning: { stop(): Promise<void> } | undefined;
        const reloadConfig = createConfigReloader({
          platform,
          scheduler,
          logger,
          onApplied: (applied) => {
            warnStaleJobs();
            if (applied.includes('retention') && pruning) {
              const previous = pruning;
              pruning = startHistoryPruning(platform, logger, retentionEvery());
              void previous.stop();
            }
          },
        });
        const built = createGateway({
          config: platform.config,
          gateway,
          router: platform.router,
          ledger: platform.ledger,
          responses: platform.responses,
          probes: platform.probes,
          onRequestRecorded: platform.onRequestRecorded,
          tokens,
          logger,
          version,
          now: io.now,
          routes: [
            (app) =>
              jobsRoutes(app, { scheduler, defineJob: (raw) => defineJob(raw, jobNames(platform.config)) }),
            platform.deliveriesRoutes,
            (app) => configReloadRoute(app, reloadConfig),
          ],
        });
        // Listen first: a port in use ends the start before any job has run or any delivery was sent.
        const server = await listen(built.app, gateway);
        built.context.health.start();
        const requeued = platform.recoverRunDeliveries();
        if (requeued > 0) {
          logger.warn(
            { runs: requeued },
            'runs whose output had not reached the outbox before a crash were queued for delivery',
          );
        }
        platform.onDeliveryEvent((event) => {
          const { delivery } = event;
          const fields = {
            delivery: delivery.id,
            run: delivery.runId,
            channel: delivery.channel,
            kind: delivery.kind,
          };
          if (event.type === 'delivered') logger.info(fields, 'delivered');
          else
            logger.warn(
              { ...fields, err: event.error?.message },
              event.type === 'failed' ? 'delivery failed' : 'delivery will be retried',
            );
        });
        const { interrupted } = scheduler.start();
        if (interrupted.length > 0) {
          logger.warn(
            { runs: interrupted.map((run) => run.id) },
            'runs left running by the last process were marked interrupted',
          );
        }
        // What this start took over from the last process: work waiting in the store resumes now.
        const { running, queued, retryWaiting } = scheduler.stats();
        const pendingDeliveries = platform.outbox.list({ state: 'pending', limit: 1000 }).length;
        if (running + queued + retryWaiting + pendingDeliveries > 0) {
          logger.info(
            { runs: running + queued, retriesWaiting: retryWaiting, pendingDeliveries },
            'resuming work left in the store (pending deliveries held by a killed process wait for its lease to expire)',
          );
        }
        warnStaleJobs();
        platform.outbox.start();
        built.setReady(true);
        logger.info(
          {
            url: server.url,
            version,
            config: platform.configFile,
            tokens: tokens.map((token) => token.name),
          },
          'gateway listening',
        );
        io.stderr.write(
          `pyramid gateway listening on ${server.url} (pid ${process.pid}: kill -HUP ${process.pid} re-reads the config)\n`,
        );
        pruning = startHistoryPruning(platform, logger, retentionEvery());
        // SIGHUP reloads the config file: agents, jobs and retention in place (see createConfigReloader).
        const onHangup = () => {
          void reloadConfig().catch((error: unknown) =>
            logger.error(
              { err: error instanceof Error ? error.message : String(error) },
              'config reload failed',
            ),
          );
        };
        process.on('SIGHUP', onHangup);

        let forced = false;
        const signal = await shutdownSignal(() => {
          forced = true;
          logger.warn('second signal: stopping now');
          void server.close(0);
        });
        built.setReady(false);
        logger.info({ signal, inFlight: server.inFlight(), drainMs: gateway.drainMs }, 'draining');
        const [dropped] = await Promise.all([
          server.close(forced ? 0 : gateway.drainMs),
          scheduler.stop({ drainMs: forced ? 0 : gateway.drainMs }),
        ]);
        process.off('SIGHUP', onHangup);
        await Promise.all([platform.outbox.stop(), pruning?.stop()]);
        built.dispose();
        closePlatform();
        logger.info({ dropped }, 'stopped');
      } finally {
        closePlatform();
      }
    });
}
