import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body.ts';

export type FakeWebhook = {
  url: string;
  /** Bodies whose signature verified (or every body, without a secret). */
  accepted: { body: Record<string, unknown>; headers: Record<string, string | string[] | undefined> }[];
  rejected: number;
  /** Statuses for the next requests; then 204. */
  script(...statuses: number[]): void;
  close(): Promise<void>;
};

/** A webhook receiver on 127.0.0.1 that verifies X-Pyramid-Signature the way a user's server would. */
export async function startFakeWebhook(secret?: string): Promise<FakeWebhook> {
  const queue: number[] = [];
  const fake: FakeWebhook = {
    url: '',
    accepted: [],
    rejected: 0,
    script: (...statuses) => {
      queue.push(...statuses);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer(async (request, response) => {
    const raw = await readBody(request);
    const scripted = queue.shift();
    if (scripted !== undefined) {
      response.writeHead(scripted, scripted === 429 ? { 'retry-after': '1' } : {});
      return response.end();
    }
    if (secret) {
      const timestamp = String(request.headers['x-pyramid-timestamp'] ?? '');
      const expected = Buffer.from(
        `sha256=${createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex')}`,
      );
      const given = Buffer.from(String(request.headers['x-pyramid-signature'] ?? ''));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        fake.rejected += 1;
        response.writeHead(401);
        return response.end();
      }
    }
    fake.accepted.push({ body: JSON.parse(raw) as Record<string, unknown>, headers: request.headers });
    response.writeHead(204);
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return fake;
}
