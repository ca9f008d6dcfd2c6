import { connect } from 'node:net';
import type { RunningInstance } from './running-instance.ts';

/**
 * Asks the `pyramid start` holding `socketPath` who it is; undefined when nobody holds it (no socket,
 * or a socket left by a dead process: the kernel refuses the connection). Read-only.
 */
export function askRunningInstance(
  socketPath: string,
  timeoutMs = 5000,
): Promise<RunningInstance | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${socketPath} accepted a connection but did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(text) as RunningInstance);
      } catch {
        reject(new Error(`${socketPath} answered something that is not Pyramid's: ${text.slice(0, 80)}`));
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') resolve(undefined);
      else reject(error);
    });
  });
}
