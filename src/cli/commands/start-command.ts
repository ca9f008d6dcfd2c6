import { readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { defineJob, jobNames } from '../../config/define-job.ts';
import { loadConfig, resolvePyramidPaths, writeStarterConfig } from '../../config/index.ts';
import { isLoopbackAddress } from '../../config/sections/gateway-section.ts';
import type { SectionChange } from '../../contracts/config-reload.ts';
import { ConfigError } from '../../contracts/errors/config-error.ts';
import { PyramidError } from '../../contracts/errors/pyramid-error.ts';
import type { GatewayConfig, GatewayToken } from '../../contracts/pyramid-config.ts';
import { dashboardRoutes } from '../../dashboard/dashboard-routes.ts';
import {
  createGateway,
  createGatewayLogger,
  type GatewayServer,
  loadGatewayTokens,
  startGatewayServer,
} from '../../gateway/index.ts';
import { configReloadRoute } from '../../gateway/routes/config-reload-route.ts';
import { processesRoute } from '../../gateway/routes/processes-route.ts';
import { jobsRoutes } from '../../scheduler/http/jobs-routes.ts';
import { claimHome } from '../../service/claim-home.ts';
import { envFilePath } from '../../service/load-env-file.ts';
import { createBackoffFailures } from '../../store/create-backoff-failures.ts';
import type { CliIo, GlobalOptions } from '../cli-io.ts';
import { compareValues } from '../compare-config-sections.ts';
import { createConfigReloader } from '../create-config-reloader.ts';
import { createPlatform } from '../create-platform.ts';
import { findStaleJobs } from '../find-stale-jobs.ts';
import { noModelCanAnswer } from '../no-model-can-answer.ts';
import { printWarnings } from '../print-warnings.ts';
import { startHistoryPruning } from '../start-history-pruning.ts';
import { processStaleAfterMs, startProcessHeartbeat } from '../start-process-heartbeat.ts';
import { type ConfigFileWatch, watchConfigFile } from '../watch-config-file.ts';

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

/** Whether the config (when there is one) names a store several processes share (PostgreSQL). */
async function sharesStore(configFile: string, env: CliIo['env']): Promise<boolean> {
  if (!(await exists(configFile))) return false;
  return (await loadConfig({ file: configFile, env })).config.store?.kind === 'postgres';
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

/** Auth off on a non-loopback address is refused (at start and at a reload). */
function refuseOpenBind(gateway: GatewayConfig, configFile: string): void {
  if (gateway.auth.enabled || isLoopbackAddress(gateway.bind)) return;
  throw new ConfigError(
    [
      {
        path: 'gateway.auth.enabled',
        message: `refusing to listen on ${gateway.bind} without auth: bind 127.0.0.1, or turn auth on`,
      },
    ],
    configFile,
  );
}

/** Which tokens a reload adds, removes or changes (a new secret or scopes), by name: never a secret. */
function tokenChanges(running: readonly GatewayToken[], next: readonly GatewayToken[]): SectionChange[] {
  const change = compareValues(
    'tokens',
    Object.fromEntries(running.map((token) => [token.name, token])),
    Object.fromEntries(next.map((token) => [token.name, token])),
  );
  return change ? [change] : [];
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
      // One start per home on SQLite: a second one is refused here, naming the first one's pid and
      // address. On PostgreSQL several processes share one config and home (the database coordinates
      // them, and each registers itself there): no claim.
      const claim = (await sharesStore(configFile, io.env))
        ? { announce() {}, release: async () => {} }
        : await claimHome({ home, version, now: io.now });
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
        // The gateway settings in use: a reload replaces them, but never the port and bind address.
        let gateway = { ...platform.config.gateway! };
        if (options.port !== undefined) {
          const port = Number(options.port);
          if (!Number.isInteger(port) || port < 0 || port > 65535)
            throw new PyramidError('usage', `--port takes a port number (0-65535), not "${options.port}"`);
          gateway.port = port;
        }
        if (options.bind !== undefined) gateway.bind = options.bind;
        refuseOpenBind(gateway, platform.configFile);
        const { tokens, generatedFile, notices } = await loadGatewayTokens({ gateway, home: platform.home });
        let tokensInUse = tokens;
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
        // This process in the store's registry (pyramid status lists the live ones); removed on a clean stop.
        const store = platform.config.store;
        const staleAfterMs = processStaleAfterMs(store?.kind === 'postgres' ? store.leaseMs : undefined);
        const heartbeat = await startProcessHeartbeat({
          registry: platform.processes,
          process: {
            id: platform.processId,
            host: hostname(),
            pid: process.pid,
            version,
            startedAt: (io.now ?? Date.now)(),
          },
          staleAfterMs,
          ...(io.now ? { now: io.now } : {}),
          logger: log,
        });
        cleanups.push(() => heartbeat.stop());
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
        let built: ReturnType<typeof createGateway> | undefined;
        // After the first probes (and each reload's): when no model of any tier can answer, say so once
        // on one screen at start (with the ways out), and in the log whenever that changes.
        let answerless = false;
        const checkAnswerable = async (atStart: boolean) => {
          if (!built) return;
          const health = built.context.health;
          await health.probeAll();
          const screen = noModelCanAnswer(platform.config, health.providers(), {
            pid: process.pid,
            envFile: envFilePath(platform.home),
          });
          if (screen && atStart) io.stderr.write(screen);
          if (screen && (atStart || !answerless))
            log.warn('no model can answer: every request fails until one can');
          else if (!screen && answerless) log.info('a model can answer again');
          answerless = screen !== undefined;
        };
        // `reload: watch`: the file watch, started and stopped as the config says (a reload may change it).
        let watching: ConfigFileWatch | undefined;
        const watchIfAsked = () => {
          if (platform.config.reload === 'watch' && !watching) {
            watching = watchConfigFile({
              file: platform.configFile,
              onChange: () => reloadFrom('watch'),
              onError: (error) => log.warn({ err: error.message }, 'the config file is no longer watched'),
            });
            log.info({ file: platform.configFile }, 'watching the config file: a change reloads it');
          } else if (platform.config.reload !== 'watch' && watching) {
            watching.stop();
            watching = undefined;
          }
        };
        const reloader = createConfigReloader({
          platform,
          scheduler,
          logger: log,
          now: io.now,
          // The gateway's part: its settings (the port and bind address it listens on stay) and its
          // tokens, from the config or the credentials file; an unreadable credentials file changes nothing.
          stage: async (config) => {
            const next = { ...config.gateway!, port: gateway.port, bind: gateway.bind };
            refuseOpenBind(next, platform.configFile);
            const loaded = await loadGatewayTokens({ gateway: next, home: platform.home });
            return {
              changes: tokenChanges(tokensInUse, loaded.tokens),
              apply: () => {
                for (const notice of loaded.notices) log.warn(notice);
                if (loaded.generatedFile)
                  log.warn(
                    { file: loaded.generatedFile },
                    'generated an admin token (gateway.auth.tokens is empty)',
                  );
                gateway = next;
                tokensInUse = loaded.tokens;
                built?.reconfigure({
                  config,
                  gateway: next,
                  router: platform.router,
                  probes: platform.probes,
                  tokens: loaded.tokens,
                });
              },
            };
          },
          onApplied: async (applied) => {
            await warnStaleJobs();
            void checkAnswerable(false);
            if (applied.includes('reload')) watchIfAsked();
            if (applied.includes('retention') && pruning) {
              const previous = pruning;
              pruning = startHistoryPruning(platform, log, retentionEvery());
              void previous.stop();
            }
          },
        });
        built = createGateway({
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
            (app) => configReloadRoute(app, () => reloader.reload('api')),
            dashboardRoutes({ platform, scheduler, lastReload: reloader.last }),
            processesRoute({
              registry: platform.processes,
              staleAfterMs,
              self: platform.processId,
              ...(io.now ? { now: io.now } : {}),
            }),
          ],
        });
        cleanups.push(() => built.dispose());
        // Listen first: a port in use ends the start before any job has run or any delivery was sent.
        const server = await listen(built.app, gateway, log);
        let forced = false;
        cleanups.push(() => server.close(forced ? 0 : gateway.drainMs));
        claim.announce(server.url);
        await heartbeat.announce(server.url);
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
        // SIGHUP (and with `reload: watch`, a change of the file) reloads the config (createConfigReloader).
        const reloadFrom = (source: 'signal' | 'watch') =>
          void reloader
            .reload(source)
            .catch((error: unknown) => log.error({ err: errorText(error) }, 'config reload failed'));
        const onHangup = () => reloadFrom('signal');
        process.on('SIGHUP', onHangup);
        cleanups.push(() => process.off('SIGHUP', onHangup));
        // The signal handlers go in before the line a supervisor or a test waits for: a SIGTERM right
        // after it must drain, not kill the process with the default action.
        const stopSignal = shutdownSignal(() => {
          forced = true;
          log.warn('second signal: stopping now');
          void server.close(0);
        });
        io.stderr.write(
          `pyramid gateway listening on ${server.url} (pid ${process.pid}: kill -HUP ${process.pid} re-reads the config)\n`,
        );
        pruning = startHistoryPruning(platform, log, retentionEvery());
        cleanups.push(() => pruning?.stop());
        void checkAnswerable(true);
        watchIfAsked();
        cleanups.push(() => {
          watching?.stop();
          watching = undefined;
        });

        const stopped = await Promise.race([stopSignal, fatal.promise]);
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
