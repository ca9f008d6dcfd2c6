import { readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { defineJob, jobNames } from '../../config/define-job.ts';
import { resolvePyramidPaths, writeStarterConfig } from '../../config/index.ts';
import { isLoopbackAddress } from '../../config/sections/gateway-section.ts';
import { ConfigError } from '../../contracts/errors/config-error.ts';
import { PyramidError } from '../../contracts/errors/pyramid-error.ts';
import type { GatewayConfig } from '../../contracts/pyramid-config.ts';
import { dashboardRoutes } from '../../dashboard/dashboard-routes.ts';
import {
  createGateway,
  createGatewayLogger,
  type GatewayServer,
  loadGatewayTokens,
  startGatewayServer,
} from '../../gateway/index.ts';
import { configReloadRoute } from '../../gateway/routes/config-reload-route.ts';
import { jobsRoutes } from '../../scheduler/http/jobs-routes.ts';
import { claimHome } from '../../service/claim-home.ts';
import { createBackoffFailures } from '../../store/create-backoff-failures.ts';
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

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

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
  gateway: GatewayConfig,
  logger: Logger,
): Promise<GatewayServer> {
  try {
    return await startGatewayServer({
      app,
      port: gateway.port,
      bind: gateway.bind,
      connections: gateway.connections,
      onError: (error, unreported) =>
        logger.warn(
          { err: error, unreported },
          'the gateway could not accept a connection (out of open files? lower gateway.connections.max or raise ulimit -n)',
        ),
    });
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
      const { home, configFile } = resolvePyramidPaths({
        env: io.env,
        explicitConfigPath: globals.config,
        homedir: io.homedir,
        cwd: io.cwd,
      });
      // One start per home: a second one is refused here, naming the first one's pid and address.
      const claim = await claimHome({ home, version, now: io.now });
      const explicit = Boolean(globals.config || io.env.PYRAMID_CONFIG);
      if (!explicit && !(await exists(configFile))) {
        await writeStarterConfig(configFile);
        io.stderr.write(
          `first run: wrote a starter config to ${configFile}; edit it and restart to change it\n`,
        );
      }
      const platform = await createPlatform(io, globals, { store: 'worker' });
      // Everything started so far, stopped in reverse order whatever fails: a start that fails after
      // listening must not stay half-started (200 on /health, 503 on /health/ready, nothing running).
      const cleanups: Array<() => Promise<unknown> | unknown> = [
        () => claim.release(),
        () => platform.close(),
      ];
      const cleanUp = async (log?: (error: unknown) => void) => {
        for (const cleanup of cleanups.splice(0).reverse()) {
          try {
            await cleanup();
          } catch (error) {
            // The first error is the one the operator needs; a cleanup's error is only logged.
            log?.(error);
          }
        }
      };
      let logger: ReturnType<typeof createGatewayLogger> | undefined;
      const logCleanupError = (error: unknown) =>
        logger?.warn({ err: error instanceof Error ? error.message : String(error) }, 'while stopping');
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
        const log = createGatewayLogger(io.stdout);
        logger = log;
        // An error no loop expected: logged with where it came from, then a non-zero exit so that the
        // supervisor starts a clean process (never an uncaught crash with nothing logged, never half-alive).
        const fatal = Promise.withResolvers<PyramidError>();
        const failures = createBackoffFailures({
          onFailure: (loop, error, delayMs, first) => {
            if (first || delayMs >= 30_000)
              log.warn(
                { loop, err: errorText(error), retryInMs: delayMs },
                'background work failed; retrying',
              );
          },
          onRecovered: (loop, failures) => log.info({ loop, failures }, 'background work recovered'),
          onFatal: (loop, error) =>
            fatal.resolve(
              new PyramidError(
                'background_failed',
                `${loop} failed: ${errorText(error)}; exiting for a clean restart`,
                {
                  cause: error,
                },
              ),
            ),
        });
        const onUncaught = (error: unknown) => failures.failed('process', error);
        process.on('uncaughtException', onUncaught);
        process.on('unhandledRejection', onUncaught);
        cleanups.push(() => {
          process.off('uncaughtException', onUncaught);
          process.off('unhandledRejection', onUncaught);
        });
        const unwatchStore = platform.store.onStatus((status) => {
          if (status.state === 'ok') log.info('the store writes again');
          else if (status.state === 'degraded')
            log.warn({ reason: status.reason }, 'the store cannot write; work waits and retries');
          else log.error({ reason: status.reason }, 'the database file is gone');
        });
        cleanups.push(unwatchStore);
        await platform.checkpointInBackground((error) =>
          log.warn({ err: error.message }, 'WAL checkpoints are back in the store worker'),
        );
        const scheduler = platform.createScheduler({
          failures,
          onEvent: (event) => {
            if (event.type === 'run-finished') {
              const { run } = event;
              log.info(
                { job: run.jobId, run: run.id, status: run.status, costUsd: run.costUsd },
                'run finished',
              );
            } else if (event.type === 'job-throttled') log.warn({ job: event.job.id }, event.message);
            else if (event.type === 'run-lost')
              log.warn({ job: event.run.jobId, run: event.run.id, status: event.run.status }, event.message);
          },
        });
        const warnStaleJobs = async () => {
          for (const stale of findStaleJobs(await scheduler.listJobs(), jobNames(platform.config))) {
            log.warn(
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
          logger: log,
          onApplied: async (applied) => {
            await warnStaleJobs();
            if (applied.includes('retention') && pruning) {
              const previous = pruning;
              pruning = startHistoryPruning(platform, log, retentionEvery());
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
          storeStatus: platform.store.status,
          tokens,
          logger: log,
          version,
          now: io.now,
          routes: [
            (app) =>
              jobsRoutes(app, { scheduler, defineJob: (raw) => defineJob(raw, jobNames(platform.config)) }),
            platform.deliveriesRoutes,
            (app) => configReloadRoute(app, reloadConfig),
            dashboardRoutes({ platform, scheduler }),
          ],
        });
        cleanups.push(() => built.dispose());
        // Listen first: a port in use ends the start before any job has run or any delivery was sent.
        const server = await listen(built.app, gateway, log);
        let forced = false;
        cleanups.push(() => server.close(forced ? 0 : gateway.drainMs));
        claim.announce(server.url);
        built.context.health.start();
        const requeued = await platform.recoverRunDeliveries();
        if (requeued > 0) {
          log.warn(
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
          if (event.type === 'delivered') log.info(fields, 'delivered');
          else
            log.warn(
              { ...fields, err: event.error?.message },
              event.type === 'failed' ? 'delivery failed' : 'delivery will be retried',
            );
        });
        const { interrupted } = await scheduler.start();
        cleanups.push(() => scheduler.stop({ drainMs: forced ? 0 : gateway.drainMs }));
        if (interrupted.length > 0) {
          log.warn(
            { runs: interrupted.map((run) => run.id) },
            'runs left running by the last process were marked interrupted',
          );
        }
        // What this start took over from the last process: work waiting in the store resumes now.
        const { running, queued, retryWaiting } = scheduler.stats();
        const pendingDeliveries = (await platform.outbox.list({ state: 'pending', limit: 1000 })).length;
        if (running + queued + retryWaiting + pendingDeliveries > 0) {
          log.info(
            { runs: running + queued, retriesWaiting: retryWaiting, pendingDeliveries },
            'resuming work left in the store (pending deliveries held by a killed process wait for its lease to expire)',
          );
        }
        await warnStaleJobs();
        platform.outbox.start();
        cleanups.push(() => platform.outbox.stop());
        built.setReady(true);
        log.info(
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
        pruning = startHistoryPruning(platform, log, retentionEvery());
        cleanups.push(() => pruning?.stop());
        // SIGHUP reloads the config file: agents, jobs and retention in place (see createConfigReloader).
        const onHangup = () => {
          void reloadConfig().catch((error: unknown) =>
            log.error({ err: errorText(error) }, 'config reload failed'),
          );
        };
        process.on('SIGHUP', onHangup);
        cleanups.push(() => process.off('SIGHUP', onHangup));

        const stopped = await Promise.race([
          shutdownSignal(() => {
            forced = true;
            log.warn('second signal: stopping now');
            void server.close(0);
          }),
          fatal.promise,
        ]);
        built.setReady(false);
        if (stopped instanceof PyramidError) {
          log.fatal({ err: stopped.message }, 'stopping after an unexpected error');
          forced = true;
          await cleanUp(logCleanupError);
          throw stopped;
        }
        log.info({ signal: stopped, inFlight: server.inFlight(), drainMs: gateway.drainMs }, 'draining');
        const [dropped] = await Promise.all([
          server.close(forced ? 0 : gateway.drainMs),
          scheduler.stop({ drainMs: forced ? 0 : gateway.drainMs }),
        ]);
        await cleanUp(logCleanupError);
        log.info({ dropped }, 'stopped');
      } finally {
        await cleanUp(logCleanupError);
      }
    });
}
