import { join, resolve } from 'node:path';
import type { Env } from './config-section.ts';

export type PyramidPaths = {
  /** PYRAMID_HOME, default ~/.pyramid: the config, the database and logs live here. */
  home: string;
  /** The config file: --config, else PYRAMID_CONFIG, else $PYRAMID_HOME/pyramid.yaml. */
  configFile: string;
};

/** Where Pyramid's home and config file are, from the environment, an explicit --config and the home directory. */
export function resolvePyramidPaths(options: {
  env: Env;
  explicitConfigPath?: string;
  homedir: string;
  /** Relative paths resolve against this (default: the process working directory). */
  cwd?: string;
}): PyramidPaths {
  const { env, explicitConfigPath, homedir, cwd = process.cwd() } = options;
  const absolute = (path: string) =>
    resolve(cwd, path === '~' || path.startsWith('~/') ? homedir + path.slice(1) : path);
  const home = absolute(nonEmpty(env.PYRAMID_HOME) ?? join(homedir, '.pyramid'));
  const configFile = absolute(
    nonEmpty(explicitConfigPath) ?? nonEmpty(env.PYRAMID_CONFIG) ?? join(home, 'pyramid.yaml'),
  );
  return { home, configFile };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
