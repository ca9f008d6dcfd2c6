import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body.ts';
import { telegramHtmlProblems } from './telegram-html-problems.ts';

/** How the fake answers one sendMessage. */
export type TelegramReply =
  | 'ok'
  /** Accepted, but only after this long: the message counts (and `at` is taken) when it is processed. */
  | { acceptAfterMs: number }
  | { status: 429; retryAfter: number }
  | { status: 500 }
  | { status: 400; description: string }
  | { status: 403; description: string };

export type TelegramMessage = {
  chatId: string;
  text: string;
  parseMode?: string;
  threadId?: number;
  at: number;
};

export type FakeTelegram = {
  apiRoot: string;
  /** Messages the fake accepted, in order. */
  accepted: TelegramMessage[];
  /** Every request, accepted or not. */
  requests: { method: string; chatId: string; text: string; at: number; status: number }[];
  /** What the fake found wrong with what it received (wrong parse mode, text too long, HTML that does not parse). */
  problems: string[];
  /** Replies for the next requests, in order; after them every request is accepted. */
  script(...replies: TelegramReply[]): void;
  /** A reply for every request to one chat (a blocked bot, a missing chat). */
  answerChat(chatId: string, reply: TelegramReply): void;
  /** Refuse every HTML message with 400 "can't parse entities: <reason>" as if it did not parse (undefined: stop). */
  refuseHtml(reason: string | undefined): void;
  /** Called as each request arrives, before the reply. */
  onRequest?: (chatId: string, text: string) => void;
  close(): Promise<void>;
};

/**
 * A fake Telegram Bot API on 127.0.0.1: checks method, token, chat, parse mode (HTML, or none for plain
 * text), length and that the HTML parses.
 */
export async function startFakeTelegram(token: string): Promise<FakeTelegram> {
  const queue: TelegramReply[] = [];
  const chatReplies = new Map<string, TelegramReply>();
  let htmlRefusal: string | undefined;
  let messageId = 0;
  const fake: FakeTelegram = {
    apiRoot: '',
    accepted: [],
    requests: [],
    problems: [],
    script: (...replies) => {
      queue.push(...replies);
    },
    answerChat: (chatId, reply) => {
      chatReplies.set(chatId, reply);
    },
    refuseHtml: (reason) => {
      htmlRefusal = reason;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(request.url ?? '');
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(payload));
    };
    const fail = (status: number, description: string, parameters?: Record<string, unknown>) =>
      send(status, { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) });
    if (!match || match[1] !== token) return fail(401, 'Unauthorized');
    const method = match[2];
    const payload = (body ? JSON.parse(body) : {}) as Record<string, unknown>;
    const chatId = String(payload.chat_id ?? '');
    const text = String(payload.text ?? '');
    fake.onRequest?.(chatId, text);
    const reply = chatReplies.get(chatId) ?? queue.shift() ?? 'ok';
    if (typeof reply === 'object' && 'acceptAfterMs' in reply) {
      const { acceptAfterMs } = reply;
      await new Promise((resolve) => setTimeout(resolve, acceptAfterMs));
    }
    const scripted = typeof reply === 'object' && 'acceptAfterMs' in reply ? 'ok' : reply;
    const record = (status: number) => fake.requests.push({ method, chatId, text, at: Date.now(), status });
    if (method !== 'sendMessage') {
      fake.problems.push(`unexpected method ${method}`);
      record(404);
      return fail(404, 'Not Found: method not found');
    }
    if (scripted !== 'ok') {
      record(scripted.status);
      if (scripted.status === 429) {
        return fail(429, `Too Many Requests: retry after ${scripted.retryAfter}`, {
          retry_after: scripted.retryAfter,
        });
      }
      if (scripted.status === 500) return fail(500, 'Internal Server Error');
      return fail(scripted.status, scripted.description);
    }
    const problems: string[] = [];
    if (!chatId) problems.push('no chat_id');
    if (text.length === 0 || text.length > 4096)
      problems.push(`text length ${text.length} is outside 1..4096`);
    // Without parse_mode Telegram shows the text as it is: nothing to parse.
    if (payload.parse_mode === 'HTML') {
      if (htmlRefusal !== undefined) {
        record(400);
        return fail(400, `Bad Request: can't parse entities: ${htmlRefusal}`);
      }
      problems.push(...telegramHtmlProblems(text).map((problem) => `HTML: ${problem}`));
    } else if (payload.parse_mode !== undefined) {
      problems.push(`parse_mode ${String(payload.parse_mode)} is not HTML`);
    }
    if (problems.length > 0) {
      fake.problems.push(...problems);
      record(400);
      const what = payload.parse_mode === 'HTML' ? "can't parse entities" : 'bad message';
      return fail(400, `Bad Request: ${what}: ${problems.join('; ')}`);
    }
    record(200);
    const threadId = payload.message_thread_id === undefined ? undefined : Number(payload.message_thread_id);
    fake.accepted.push({
      chatId,
      text,
      parseMode: payload.parse_mode as string | undefined,
      threadId,
      at: Date.now(),
    });
    messageId += 1;
    send(200, {
      ok: true,
      result: {
        message_id: messageId,
        date: Math.floor(Date.now() / 1000),
        chat: { id: Number(chatId) || 0, type: 'private' },
        text,
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
