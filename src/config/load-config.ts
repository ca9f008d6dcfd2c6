import { dirname } from 'node:path';
import { ConfigError } from '../contracts/errors/config-error.ts';
import { FileReadError } from '../contracts/errors/file-read-error.ts';
import type { Env } from './config-section.ts';
import { fileInTheWay } from './file-in-the-way.ts';
import { type LoadedConfig, parseConfig } from './parse-config.ts';
import { readSmallFile } from './read-small-file.ts';

/** The largest config file read (10,000 jobs take about 1.5 MB): a bigger one is refused unread. */
export const maxConfigBytes = 8 * 1_048_576;

/** Reads, validates and resolves the config file. Throws ConfigError (the CLI exits 78). */
export async function loadConfig(options: { file: string; env: Env }): Promise<LoadedConfig> {
  const { file, env } = options;
  let text: string;
  try {
    text = await readSmallFile(file, maxConfigBytes);
  } catch (error) {
    if (!(error instanceof FileReadError)) throw error;
    const blocking = error.problem === 'not_a_folder' ? await fileInTheWay(dirname(file)) : undefined;
    throw new ConfigError([{ path: '', message: readProblem(error, blocking) }], file);
  }
  return parseConfig(text, { env, file });
}

const fix = '(check --config, PYRAMID_CONFIG and PYRAMID_HOME)';

function readProblem(error: FileReadError, blocking: string | undefined): string {
  switch (error.problem) {
    case 'not_found':
      return 'config file not found: run `pyramid init` to write a starter config (or pass --config / set PYRAMID_CONFIG)';
    case 'dangling_link':
      return `the config file is a symbolic link to a file that does not exist: fix or remove the link ${fix}`;
    case 'folder':
      return 'the config path is a folder, not a file: pass --config the path of the YAML file (or set PYRAMID_CONFIG)';
    case 'not_regular':
      return `the config path is ${error.detail}, not a regular file: Pyramid reads only a plain YAML file ${fix}`;
    case 'too_large':
      return `the config file is too large (${error.detail}): is it the right file? ${fix}`;
    case 'permission':
      return 'cannot read the config file: permission denied (make it readable by this user)';
    case 'not_a_folder':
      return blocking
        ? `cannot read the config file: ${blocking} is a file, not a folder ${fix}`
        : `cannot read the config file: part of its path is not a folder ${fix}`;
    default:
      return `cannot read the config file (${error.detail ?? error.message})`;
  }
}
