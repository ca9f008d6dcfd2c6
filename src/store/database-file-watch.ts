import { readdirSync, readlinkSync, statSync } from 'node:fs';

type Identity = { dev: number; ino: number };

function identityOf(path: string): Identity | undefined {
  try {
    const stat = statSync(path);
    return { dev: stat.dev, ino: stat.ino };
  } catch {
    return undefined;
  }
}

/**
 * Notices when the database file that a process has open is deleted or replaced under it: SQLite keeps
 * writing to the unlinked file, so every commit after that would vanish at the next restart.
 * `check()` returns undefined while the file is the one opened, else what happened and what to do.
 */
export function watchDatabaseFile(path: string, pid: number): { check(): string | undefined } {
  const opened = identityOf(path);
  return {
    check() {
      if (!opened) return undefined;
      const now = identityOf(path);
      if (now && now.dev === opened.dev && now.ino === opened.ino) return undefined;
      const what = now ? 'was replaced by another file' : 'was deleted';
      const held = openDescriptorOf(path);
      const rescue = held
        ? ` Its data is still readable at /proc/${pid}/fd/${held} until this process exits: copy it back (cp /proc/${pid}/fd/${held} ${path}.recovered), stop Pyramid, move the copy to ${path} and start again.`
        : ' Restore it from a backup (pyramid backup) and restart.';
      return `${path} ${what} while Pyramid was running: nothing more is written to it.${rescue}`;
    },
  };
}

/** On Linux, the descriptor number this process still holds for the (deleted) file. */
function openDescriptorOf(path: string): string | undefined {
  try {
    for (const fd of readdirSync('/proc/self/fd')) {
      try {
        const target = readlinkSync(`/proc/self/fd/${fd}`);
        if (target === `${path} (deleted)` || target === path) return fd;
      } catch {
        // A descriptor closed while we looked.
      }
    }
  } catch {
    // No /proc (macOS).
  }
  return undefined;
}
