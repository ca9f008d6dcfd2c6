import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PyramidError } from '../contracts/errors/pyramid-error.ts';
import { fileInTheWay } from './file-in-the-way.ts';
import { starterConfigText } from './starter-config-text.ts';

/**
 * Writes the starter config to `file` (creating its folder). Refuses to overwrite an existing file
 * unless `force`; that refusal is a PyramidError with code `config_exists`. A path it cannot write (a
 * folder, a file where a folder should be, no permission) is a PyramidError `config_unwritable`.
 */
export async function writeStarterConfig(file: string, options: { force?: boolean } = {}): Promise<void> {
  const folder = dirname(file);
  try {
    await mkdir(folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    const blocking = await fileInTheWay(folder);
    const why = blocking ? `${blocking} is a file, not a folder` : reason(error);
    throw new PyramidError(
      'config_unwritable',
      `cannot create the folder ${folder} for the config: ${why}; set PYRAMID_HOME (or pass --config) to a path Pyramid can write`,
      { cause: error },
    );
  }
  if (await isFolder(file)) {
    throw new PyramidError(
      'config_unwritable',
      `${file} is a folder: pass --config the path of a file (for example ${file.replace(/\/+$/, '')}/pyramid.yaml)`,
    );
  }
  try {
    // Owner-only: users may later paste a literal key into it despite the warning.
    await writeFile(file, starterConfigText, { flag: options.force ? 'w' : 'wx', mode: 0o600 });
    // `mode` applies only to a new file: one overwritten with --force keeps its old mode otherwise.
    if (options.force) await chmod(file, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new PyramidError('config_exists', `${file} already exists; use --force to overwrite it`, {
        cause: error,
      });
    }
    throw new PyramidError('config_unwritable', `cannot write ${file}: ${reason(error)}`, { cause: error });
  }
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  return code ?? String(error);
}

async function isFolder(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}
