export type HttpGetOptions = {
  url: string;
  allowedHosts: readonly string[];
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** Redirects followed (each hop's host checked) before giving up. */
  maxRedirects?: number;
  /** Characters of the body kept in the answer. */
  bodyChars?: number;
  /** The whole fetch, redirects and body included, must be done within this (default 15 s). */
  timeoutMs?: number;
};

const defaultMaxRedirects = 5;
const defaultBodyChars = 4000;
const defaultTimeoutMs = 15_000;

/**
 * The `http_get` tool: GET a URL whose host is allowed, following redirects by hand so that every hop's
 * host is checked (fetch's own redirect following would let an allowed host send us anywhere).
 */
export async function httpGet(options: HttpGetOptions): Promise<string> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    return await fetchWithinHosts({ ...options, signal });
  } catch (error) {
    // A host that does not answer in time is the tool's answer; the caller's own abort stays an abort.
    if (timeout.aborted && !options.signal?.aborted) return `error: no answer within ${timeoutMs / 1000} s`;
    throw error;
  }
}

async function fetchWithinHosts(options: HttpGetOptions & { signal: AbortSignal }): Promise<string> {
  const { allowedHosts } = options;
  const fetchImpl = options.fetch ?? fetch;
  const maxRedirects = options.maxRedirects ?? defaultMaxRedirects;
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    return `error: not a URL: ${options.url}`;
  }
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return `error: ${url.protocol} is not http or https`;
    }
    if (!allowedHosts.includes(url.hostname)) {
      const via = hop === 0 ? '' : ' (reached by a redirect)';
      return `error: ${url.hostname} is not an allowed host${via} (allowed: ${allowedHosts.join(', ')})`;
    }
    const response = await fetchImpl(url, { redirect: 'manual', signal: options.signal });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || location === null) {
      const body = await startOfBody(response, options.bodyChars ?? defaultBodyChars);
      return `status ${response.status}\n${body}`;
    }
    await response.body?.cancel();
    if (hop >= maxRedirects) return `error: more than ${maxRedirects} redirects`;
    try {
      url = new URL(location, url);
    } catch {
      return `error: the redirect location is not a URL: ${location}`;
    }
  }
}

/** The first `chars` characters of a body, reading no more than it takes (a body may be huge or endless). */
async function startOfBody(response: Response, chars: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < chars) {
      const { done, value } = await reader.read();
      if (done) {
        text += decoder.decode();
        break;
      }
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text.slice(0, chars);
}
