import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeSync,
} from 'node:fs';
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
 * cost is a stat(2) and a write(2) each. (pino-roll was tried: in its synchronous mode it never rotates.)
 *
 * Several processes may write one log (several `pyramid start` sharing a home on a PostgreSQL store):
 * each line is one O_APPEND write, so lines never interleave; the size is the file's, not this
 * process's count; a file another process rotated away is left for the new one; and a rotation is
 * made under a lock folder (`name.rotating`, taken over when older than 10 s: its holder died; the
 * others wait for it), so two processes never rotate the same file twice.
 */
export function openRotatingLogFile(options: RotatingLogOptions): RotatingLogFile {
  const name = options.name ?? defaultLogRotation.name;
  const maxBytes = options.maxBytes ?? defaultLogRotation.maxBytes;
  const keep = options.keep ?? defaultLogRotation.keep;
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const path = join(options.dir, name);
  const lock = `${path}.rotating`;
  let fd = openSync(path, 'a', 0o600);
  let inode = fstatSync(fd).ino;

  const reopen = () => {
    closeSync(fd);
    fd = openSync(path, 'a', 0o600);
    inode = fstatSync(fd).ino;
  };
  /** The current file's size, after moving to it when another process rotated ours away. */
  const currentSize = (): number => {
    const current = statOrUndefined(path);
    if (current?.ino === inode) return current.size;
    reopen();
    return fstatSync(fd).size;
  };
  const takeLock = (): boolean => {
    try {
      mkdirSync(lock);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const held = statOrUndefined(lock);
      if (held && Date.now() - held.mtimeMs > staleLockMs) {
        rmSync(lock, { recursive: true, force: true });
        return takeLock();
      }
      return false;
    }
  };
  const rotate = () => {
    if (!takeLock()) {
      // Another process is rotating: wait for it (briefly), then write into the file current by then.
      const deadline = Date.now() + staleLockMs;
      while (statOrUndefined(lock) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 1);
      return;
    }
    try {
      // It may have rotated between our size check and the lock.
      if (currentSize() === 0) return;
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
      reopen();
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  };

  return {
    path,
    write(text) {
      const bytes = Buffer.byteLength(text);
      const size = currentSize();
      if (size > 0 && size + bytes > maxBytes) {
        rotate();
        currentSize();
      }
      writeSync(fd, text);
      return true;
    },
    close() {
      closeSync(fd);
    },
  };
}

const staleLockMs = 10_000;
// Sleeps a writer synchronously for a millisecond while another process rotates.
const pause = new Int32Array(new SharedArrayBuffer(4));

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
