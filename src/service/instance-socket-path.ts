import { join } from 'node:path';
import { PyramidError } from '../contracts/errors/pyramid-error.ts';

/** The longest unix socket path every platform accepts (macOS: 104 bytes with the terminator). */
const maxSocketPath = 103;

/** `$PYRAMID_HOME/pyramid.sock`: the socket a running `pyramid start` holds (see claimHome). */
export function instanceSocketPath(home: string): string {
  const path = join(home, 'pyramid.sock');
  if (Buffer.byteLength(path) > maxSocketPath) {
    throw new PyramidError(
      'home_path_too_long',
      `PYRAMID_HOME is too long for its instance socket (${path} is over ${maxSocketPath} bytes): use a shorter PYRAMID_HOME`,
    );
  }
  return path;
}
