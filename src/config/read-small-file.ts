import { constants, type Stats } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { FileReadError } from '../contracts/errors/file-read-error.ts';

/**
 * Reads a small regular file whole as UTF-8, refusing anything else before it can block or fill the
 * memory: the file is opened non-blocking (a FIFO with no writer would otherwise wait forever), checked
 * with fstat (a folder, FIFO, device or socket is refused unread), and read to at most `maxBytes`.
 * Throws FileReadError.
 */
export async function readSmallFile(path: string, maxBytes: number): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
  } catch (error) {
    throw await openError(path, error);
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw new FileReadError(path, 'folder');
    if (!stats.isFile()) throw new FileReadError(path, 'not_regular', kindOf(stats));
    if (stats.size > maxBytes) throw new FileReadError(path, 'too_large', tooLarge(stats.size, maxBytes));
    // One byte more than allowed is read, so a file that grew since fstat is still caught.
    const buffer = Buffer.alloc(Math.min(maxBytes, stats.size + 65_536) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) break;
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw new FileReadError(path, 'too_large', tooLarge(length, maxBytes));
    return buffer.toString('utf8', 0, length);
  } catch (error) {
    if (error instanceof FileReadError) throw error;
    throw new FileReadError(path, 'other', (error as NodeJS.ErrnoException).code ?? String(error), {
      cause: error,
    });
  } finally {
    await handle.close();
  }
}

async function openError(path: string, error: unknown): Promise<FileReadError> {
  const code = (error as NodeJS.ErrnoException).code;
  const options = { cause: error };
  if (code === 'ENOENT') {
    const link = await lstat(path).catch(() => undefined);
    return link?.isSymbolicLink()
      ? new FileReadError(path, 'dangling_link', undefined, options)
      : new FileReadError(path, 'not_found', undefined, options);
  }
  if (code === 'EISDIR') return new FileReadError(path, 'folder', undefined, options);
  if (code === 'ENOTDIR') return new FileReadError(path, 'not_a_folder', undefined, options);
  if (code === 'EACCES' || code === 'EPERM') return new FileReadError(path, 'permission', undefined, options);
  // ENXIO: a socket, or a FIFO opened for writing only; ELOOP: a cycle of links.
  if (code === 'ENXIO') return new FileReadError(path, 'not_regular', 'a socket', options);
  return new FileReadError(path, 'other', code ?? String(error), options);
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** A size as people read it: `64 KB`, `8 MB`. */
export function formatBytes(bytes: number): string {
  return bytes < 1_048_576 ? `${Math.ceil(bytes / 1024)} KB` : `${Math.ceil(bytes / 1_048_576)} MB`;
}

const tooLarge = (size: number, max: number) =>
  `${size > max + 1 ? formatBytes(size) : `over ${formatBytes(max)}`}; at most ${formatBytes(max)}`;
