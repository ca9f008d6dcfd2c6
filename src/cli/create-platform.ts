import { join } from 'node:path';
import { loadConfig, resolvePyramidPaths } from '../config/index.ts';
import { createLedger, type Ledger } from '../ledger/index.ts';
import { createModelAdapter } from '../providers/create-model-adapter.ts';
import { BreakerBoard } from '../router/breaker-board.ts';
import { Router } from '../router/router.ts';
import type { ConfigIssue } from '../spec/errors/config-error.ts';
import type { ModelAdapter } from '../spec/model-call.ts';
import type { PyramidConfig } from '../spec/pyramid-config.ts';
import { closeSqlite, createSqliteLedgerStore, openSqlite } from '../store/index.ts';
import type { CliIo, GlobalOptions } from './cli-io.ts';

/** Every long-lived part, built once and passed down: the one place that wires Pyramid together. */
export type Platform = {
  home: string;
  configFile: string;
  config: PyramidConfig;
  warnings: ConfigIssue[];
  ledger: Ledger;
  router: Router;
  close(): void;
};

/** Loads the config (throws ConfigError), opens the store in PYRAMID_HOME and builds the router. */
export async function createPlatform(io: CliIo, options: GlobalOptions): Promise<Platform> {
  const { home, configFile } = resolvePyramidPaths({
    env: io.env,
    explicitConfigPath: options.config,
    homedir: io.homedir,
    cwd: io.cwd,
  });
  const { config, warnings } = await loadConfig({ file: configFile, env: io.env });
  const db = openSqlite(join(home, 'pyramid.db'));
  const ledger = createLedger({ store: createSqliteLedgerStore(db), config });
  const adapters = new Map<string, ModelAdapter>();
  const adapterFor = (name: string): ModelAdapter => {
    let adapter = adapters.get(name);
    if (!adapter) {
      const model = config.models[name];
      adapter = createModelAdapter({
        provider: config.providers[model.provider],
        model,
        fetch: io.fetch,
        now: io.now,
      });
      adapters.set(name, adapter);
    }
    return adapter;
  };
  const router = new Router({
    config,
    adapterFor,
    ledger,
    breakers: new BreakerBoard(config.router.breaker),
    now: io.now,
  });
  return { home, configFile, config, warnings, ledger, router, close: () => closeSqlite(db) };
}
