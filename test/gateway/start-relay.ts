import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

/** A TCP relay to a fake that can be taken down (connection refused) and brought back on the same port. */
export async function startRelay(targetPort: number) {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  let port = 0;
  const up = () =>
    new Promise<void>((resolve) => {
      server = createServer((socket) => {
        const upstream = connect(targetPort, '127.0.0.1');
        sockets.add(socket);
        socket.pipe(upstream).pipe(socket);
        socket.on('close', () => {
          sockets.delete(socket);
          upstream.destroy();
        });
        upstream.on('error', () => socket.destroy());
        socket.on('error', () => upstream.destroy());
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });
  const down = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server!.close(() => resolve());
    });
  await up();
  return { url: () => `http://127.0.0.1:${port}`, up, down };
}
