import { createHash } from 'node:crypto';
import { type FSWatcher, readFileSync, statSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export type ConfigFileWatch = { stop(): void };

/**
 * Calls `onChange` when the config file's content changes, once a burst of events has been quiet for
 * `debounceMs`. The folder is watched, not the file: editors that save by writing a new file and
 * renaming it over the old one (vim, many IDEs) replace the file a file watch would follow. An
 * event with the file missing (between an editor's delete and rename) waits for the next one.
 */
export function watchConfigFile(options: {
  file: string;
  onChange: () => void;
  debounceMs?: number;
  /** A watch that fails (the folder removed): logged by the caller; the file is no longer watched. */
  onError?: (error: Error) => void;
}): ConfigFileWatch {
  const { file, onChange } = options;
  const name = basename(file);
  const debounceMs = options.debounceMs ?? 250;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // Read now, not later: a save that lands before an asynchronous first read would be taken for the
  // starting content, and never reloaded.
  let last: Promise<string | undefined> = Promise.resolve(digestNow(file));

  const check = async () => {
    const previous = await last;
    last = digest(file);
    const current = await last;
    if (stopped || current === undefined || current === previous) return;
    onChange();
  };
  const watcher: FSWatcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
    if (stopped || (changed !== null && changed !== name)) return;
    clearTimeout(timer);
    timer = setTimeout(() => void check(), debounceMs);
  });
  watcher.on('error', (error) => options.onError?.(error));
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      watcher.close();
    },
  };
}

/** The hash of a regular, config-sized file, read synchronously (never a FIFO or a device). */
function digestNow(file: string): string | undefined {
  try {
    const stat = statSync(file);
    if (!stat.isFile() || stat.size > 16 * 1024 * 1024) return undefined;
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

/** The file's content hash; undefined while it does not exist or cannot be read. */
async function digest(file: string): Promise<string | undefined> {
  try {
    return createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
  } catch {
    return undefined;
  }
}
