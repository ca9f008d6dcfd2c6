import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../contracts/errors/config-error.ts';
import type { Env } from './config-section.ts';
import { fileInTheWay } from './file-in-the-way.ts';
import { type LoadedConfig, parseConfig } from './parse-config.ts';

/** Reads, validates and resolves the config file. Throws ConfigError (the CLI exits 78). */
export async function loadConfig(options: { file: string; env: Env }): Promise<LoadedConfig> {
  const { file, env } = options;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const blocking = code === 'ENOTDIR' ? await fileInTheWay(dirname(file)) : undefined;
    const message =
      code === 'ENOENT'
        ? 'config file not found: run `pyramid init` to write a starter config (or pass --config / set PYRAMID_CONFIG)'
        : code === 'EISDIR'
          ? 'the config path is a folder, not a file: pass --config the path of the YAML file (or set PYRAMID_CONFIG)'
          : blocking
            ? `cannot read the config file: ${blocking} is a file, not a folder (check PYRAMID_HOME, PYRAMID_CONFIG or --config)`
            : code === 'EACCES' || code === 'EPERM'
              ? 'cannot read the config file: permission denied (make it readable by this user)'
              : `cannot read the config file (${code ?? String(error)})`;
    throw new ConfigError([{ path: '', message }], file);
  }
  return parseConfig(text, { env, file });
}
