import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body.ts';

export type SlackReply = 'ok' | { status: 429; retryAfter: number } | { status: 500 } | { error: string };

export type SlackMessage = { channel: string; text: string; threadTs?: string; at: number };

export type FakeSlack = {
  /** The API root to give the client (ends with /api/). */
  apiUrl: string;
  accepted: SlackMessage[];
  requests: { method: string; channel: string; status: number }[];
  problems: string[];
  script(...replies: SlackReply[]): void;
  close(): Promise<void>;
};

/** A fake Slack Web API on 127.0.0.1 for chat.postMessage: checks the bearer token, channel and text length. */
export async function startFakeSlack(token: string): Promise<FakeSlack> {
  const queue: SlackReply[] = [];
  let ts = 1_700_000_000;
  const fake: FakeSlack = {
    apiUrl: '',
    accepted: [],
    requests: [],
    problems: [],
    script: (...replies) => {
      queue.push(...replies);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    const method = (request.url ?? '').replace(/^\/api\//, '');
    const contentType = request.headers['content-type'] ?? '';
    const fields: Record<string, string> = contentType.includes('json')
      ? (JSON.parse(body) as Record<string, string>)
      : Object.fromEntries(new URLSearchParams(body));
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      fake.requests.push({ method, channel: fields.channel ?? '', status });
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(payload));
    };
    if (request.headers.authorization !== `Bearer ${token}`)
      return send(200, { ok: false, error: 'invalid_auth' });
    if (method !== 'chat.postMessage') {
      fake.problems.push(`unexpected method ${method}`);
      return send(200, { ok: false, error: 'unknown_method' });
    }
    const scripted = queue.shift() ?? 'ok';
    if (scripted !== 'ok') {
      if ('error' in scripted) return send(200, { ok: false, error: scripted.error });
      if (scripted.status === 429)
        return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(scripted.retryAfter) });
      return send(500, { ok: false, error: 'internal_error' });
    }
    const text = fields.text ?? '';
    if (!fields.channel) fake.problems.push('no channel');
    if (text.length === 0 || text.length > 4000) {
      fake.problems.push(`text length ${text.length} is outside 1..4000`);
      return send(200, { ok: false, error: 'msg_too_long' });
    }
    fake.accepted.push({ channel: fields.channel, text, threadTs: fields.thread_ts, at: Date.now() });
    ts += 1;
    send(200, { ok: true, channel: fields.channel, ts: `${ts}.000100` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  return fake;
}
