import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';

/** A `http://127.0.0.1:PORT` URL where nothing listens: the port was bound, then released. */
export async function refusedConnectionUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
