import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultLogRotation } from './rotating-log-file.ts';

/**
 * Writes what is appended to the service log in `dir` from its current end, following rotations
 * (a new file under the same name is read from its start), until `signal` aborts.
 */
export async function followLog(options: {
  dir: string;
  write: (text: string) => void;
  signal: AbortSignal;
  pollMs?: number;
}): Promise<void> {
  const path = join(options.dir, defaultLogRotation.name);
  const pollMs = options.pollMs ?? 250;
  let fd: number | undefined;
  let inode = -1;
  let position = 0;
  const open = (fromEnd: boolean) => {
    try {
      fd = openSync(path, 'r');
      const stat = fstatSync(fd);
      inode = stat.ino;
      position = fromEnd ? stat.size : 0;
    } catch {
      fd = undefined;
    }
  };
  open(true);
  const buffer = Buffer.alloc(64 * 1024);
  const drain = () => {
    if (fd === undefined) return;
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, position);
      if (read === 0) break;
      position += read;
      options.write(buffer.subarray(0, read).toString('utf8'));
    }
  };
  while (!options.signal.aborted) {
    drain();
    let current: number | undefined;
    try {
      current = statSync(path).ino;
    } catch {
      current = undefined;
    }
    if (current !== undefined && current !== inode) {
      // Lines written to the old file just before it was rotated away.
      drain();
      if (fd !== undefined) closeSync(fd);
      open(false);
      continue;
    }
    await sleep(pollMs, undefined, { signal: options.signal }).catch(() => {});
  }
  if (fd !== undefined) closeSync(fd);
}
