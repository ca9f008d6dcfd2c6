import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { PyramidError } from '../contracts/errors/pyramid-error.ts';
import { askRunningInstance } from './ask-running-instance.ts';
import { instanceSocketPath } from './instance-socket-path.ts';
import type { RunningInstance } from './running-instance.ts';

/** The claim a `pyramid start` holds on its home while it lives. */
export type HomeClaim = {
  /** Answers this URL from now on (the gateway listens). */
  announce(url: string): void;
  /** Gives the home up (on a clean stop; a dead process's claim is dropped by the kernel). */
  release(): Promise<void>;
};

/**
 * Claims PYRAMID_HOME for one `pyramid start`: it listens on `$PYRAMID_HOME/pyramid.sock` and answers
 * each connection with its pid and URL. A second start connects, gets that answer and is refused. The
 * kernel closes the listening socket when the process dies, even by kill -9, so the file left behind
 * refuses connections; the next start sees that, removes it and claims the home (no stale lock).
 */
export async function claimHome(options: {
  home: string;
  version: string;
  pid?: number;
  now?: () => number;
}): Promise<HomeClaim> {
  const path = instanceSocketPath(options.home);
  mkdirSync(options.home, { recursive: true, mode: 0o700 });
  const info: RunningInstance = {
    pid: options.pid ?? process.pid,
    url: null,
    home: options.home,
    startedAt: (options.now ?? Date.now)(),
    version: options.version,
  };
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.end(`${JSON.stringify(info)}\n`);
  });
  for (let attempt = 0; ; attempt++) {
    const error = await listen(server, path);
    if (!error) break;
    if (error.code !== 'EADDRINUSE' || attempt >= 2) {
      const denied = error.code === 'EACCES' || error.code === 'EPERM' || error.code === 'EROFS';
      throw new PyramidError(
        'home_claim_failed',
        denied
          ? `cannot create ${path} (permission denied): make PYRAMID_HOME writable by this user, or set PYRAMID_HOME to a folder it can write`
          : `cannot create ${path} (${error.code}): ${error.message}`,
        { cause: error },
      );
    }
    const before = inode(path);
    const running = await askRunningInstance(path);
    if (running) {
      throw new PyramidError(
        'already_running',
        `another pyramid start is running on ${options.home}: pid ${running.pid}, ${running.url ? `listening on ${running.url}` : 'still starting'}; stop it first (kill ${running.pid}, or pyramid service uninstall if it is the service), or give this one another PYRAMID_HOME`,
      );
    }
    // Left by a dead process. Remove only that file: a start racing this one may have just replaced it.
    if (before !== undefined && inode(path) === before) unlinkSync(path);
  }
  chmodSync(path, 0o600);
  // The claim must not keep the process alive on its own.
  server.unref();
  return {
    announce(url) {
      info.url = url;
    },
    release() {
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function listen(server: Server, path: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const onError = (error: NodeJS.ErrnoException) => resolve(error);
    server.once('error', onError);
    server.listen(path, () => {
      server.off('error', onError);
      resolve(undefined);
    });
  });
}

function inode(path: string): number | undefined {
  try {
    return lstatSync(path).ino;
  } catch {
    return undefined;
  }
}
