import { closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** A log file that rotates by size: `name` is the current one, `name.1` the previous, up to `name.<keep>`. */
export type RotatingLogFile = {
  /** The current file's path. */
  readonly path: string;
  /** Appends `text` (one or more whole lines) synchronously, rotating first when it would pass the size. */
  write(text: string): boolean;
  close(): void;
};

export type RotatingLogOptions = {
  dir: string;
  /** Default `pyramid.log`. */
  name?: string;
  /** Size at which the current file is rotated (default 10 MiB). */
  maxBytes?: number;
  /** Rotated files kept besides the current one (default 5); the oldest is removed. */
  keep?: number;
};

export const defaultLogRotation = { name: 'pyramid.log', maxBytes: 10 * 1024 * 1024, keep: 5 } as const;

/**
 * Opens (creating the folder and file, owner-only) a size-rotated log. Writes are synchronous, so a
 * line written before a crash or kill -9 is in the file; a service writes a few lines a second, so the
 * cost is a write(2) each. (pino-roll was tried: in its synchronous mode it never rotates.)
 */
export function openRotatingLogFile(options: RotatingLogOptions): RotatingLogFile {
  const name = options.name ?? defaultLogRotation.name;
  const maxBytes = options.maxBytes ?? defaultLogRotation.maxBytes;
  const keep = options.keep ?? defaultLogRotation.keep;
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const path = join(options.dir, name);
  let fd = openSync(path, 'a', 0o600);
  let size = fstatSync(fd).size;

  const rotate = () => {
    closeSync(fd);
    rmSync(`${path}.${keep}`, { force: true });
    for (let index = keep - 1; index >= 1; index--) {
      try {
        renameSync(`${path}.${index}`, `${path}.${index + 1}`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    if (keep > 0) renameSync(path, `${path}.1`);
    else rmSync(path, { force: true });
    fd = openSync(path, 'a', 0o600);
    size = 0;
  };

  return {
    path,
    write(text) {
      const bytes = Buffer.byteLength(text);
      if (size > 0 && size + bytes > maxBytes) rotate();
      writeSync(fd, text);
      size += bytes;
      return true;
    },
    close() {
      closeSync(fd);
    },
  };
}
