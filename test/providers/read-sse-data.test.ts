import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSseData } from '../../src/providers/http/read-sse-data.ts';

async function* pieces(text: string, size: number) {
  for (let start = 0; start < text.length; start += size) yield text.slice(start, start + size);
}

async function collect(text: AsyncIterable<string>) {
  const events: string[] = [];
  for await (const data of readSseData(text)) events.push(data);
  return events;
}

const stream = [
  ': keep-alive comment\n\n',
  'data: {"a":1}\n\n',
  'event: message\r\nid: 7\r\ndata:{"b":2}\r\n\r\n',
  'data: first line\ndata: second line\n\n',
  'retry: 1000\n\n',
  'data: [DONE]\n\n',
].join('');

test('events come out whole however the stream is cut: LF and CRLF, comments and other fields ignored', async () => {
  const expected = ['{"a":1}', '{"b":2}', 'first line\nsecond line', '[DONE]'];
  for (let size = 1; size <= stream.length; size++) {
    assert.deepEqual(await collect(pieces(stream, size)), expected, `cut every ${size} characters`);
  }
});

test('a last event without its blank line is still delivered', async () => {
  assert.deepEqual(await collect(pieces('data: one\n\ndata: two', 3)), ['one', 'two']);
  assert.deepEqual(await collect(pieces('data: one\n\ndata: two\r', 3)), ['one', 'two']);
});

test('an empty stream, or one of comments only, yields nothing', async () => {
  assert.deepEqual(await collect(pieces('', 1)), []);
  assert.deepEqual(await collect(pieces(': ping\n\n: ping\n\n', 4)), []);
});
