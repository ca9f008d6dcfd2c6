import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PyramidError } from '../spec/errors/pyramid-error.ts';
import { starterConfigText } from './starter-config-text.ts';

/**
 * Writes the starter config to `file` (creating its folder). Refuses to overwrite an existing file
 * unless `force`; that refusal is a PyramidError with code `config_exists`.
 */
export async function writeStarterConfig(file: string, options: { force?: boolean } = {}): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  try {
    // Owner-only: users may later paste a literal key into it despite the warning.
    await writeFile(file, starterConfigText, { flag: options.force ? 'w' : 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new PyramidError('config_exists', `${file} already exists; use --force to overwrite it`, {
        cause: error,
      });
    }
    throw error;
  }
}
