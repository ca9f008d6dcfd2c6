import { readFile } from 'node:fs/promises';
import { ConfigError } from '../spec/errors/config-error.ts';
import type { Env } from './config-section.ts';
import { type LoadedConfig, parseConfig } from './parse-config.ts';

/** Reads, validates and resolves the config file. Throws ConfigError (the CLI exits 78). */
export async function loadConfig(options: { file: string; env: Env }): Promise<LoadedConfig> {
  const { file, env } = options;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? 'config file not found: run `pyramid init` to write a starter config (or pass --config / set PYRAMID_CONFIG)'
        : `cannot read the config file (${code ?? String(error)})`;
    throw new ConfigError([{ path: '', message }], file);
  }
  return parseConfig(text, { env, file });
}
