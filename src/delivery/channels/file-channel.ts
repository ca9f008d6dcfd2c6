import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DeliveryError } from '../../contracts/errors/delivery-error.ts';
import type { Channel, OutgoingMessage } from './channel.ts';
import { runPayload } from './run-payload.ts';

const permanentFileErrors = new Set(['EACCES', 'EPERM', 'EISDIR', 'EROFS', 'ENOTDIR']);

/** Appends one JSON line per message to a file (folders created as needed): for local use, no bot needed. */
export function createFileChannel(options: { name: string; path: string }): Channel {
  return {
    name: options.name,
    type: 'file',

    render(message: OutgoingMessage) {
      return [JSON.stringify(runPayload(message))];
    },

    async send(body) {
      try {
        await mkdir(dirname(options.path), { recursive: true });
        await appendFile(options.path, `${body}\n`, 'utf8');
        return {};
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        throw new DeliveryError(
          'delivery_failed',
          `file ${options.name}: ${code || String(error)} writing ${options.path}`,
          {
            permanent: permanentFileErrors.has(code),
            cause: error,
          },
        );
      }
    },
  };
}
