import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The nearest existing ancestor of `folder` (itself included) when it is a file rather than a folder. */
export async function fileInTheWay(folder: string): Promise<string | undefined> {
  for (let path = folder; ; path = dirname(path)) {
    const found = await stat(path).catch(() => undefined);
    if (found) return found.isDirectory() ? undefined : path;
    if (dirname(path) === path) return undefined;
  }
}
