/**
 * The `data` of each server-sent event in a text stream, in order. SSE framing: lines end in LF or
 * CRLF, a blank line ends an event, several `data:` lines join with LF, one space after the colon is
 * dropped; comments (`: keep-alive`) and other fields (`event:`, `id:`, `retry:`) are ignored. An event
 * left without its blank line when the stream ends is still delivered: some servers omit it.
 */
export async function* readSseData(text: AsyncIterable<string>): AsyncGenerator<string> {
  let buffer = '';
  let data: string[] = [];
  const take = (line: string) => {
    if (line.startsWith('data:')) data.push(line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5));
  };
  for await (const chunk of text) {
    buffer += chunk;
    let start = 0;
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n', start)) {
      const line =
        buffer.charCodeAt(end - 1) === 13 ? buffer.slice(start, end - 1) : buffer.slice(start, end);
      start = end + 1;
      if (line === '') {
        if (data.length > 0) {
          yield data.length === 1 ? data[0] : data.join('\n');
          data = [];
        }
      } else take(line);
    }
    buffer = buffer.slice(start);
  }
  if (buffer) take(buffer.endsWith('\r') ? buffer.slice(0, -1) : buffer);
  if (data.length > 0) yield data.join('\n');
}
