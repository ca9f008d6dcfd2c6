import type { Dialect } from './dialect.ts';
import { isLinkableUrl } from './is-linkable-url.ts';

/** Escapes the three characters Telegram's HTML parse mode requires (and `"` for attributes). */
export function escapeTelegramHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Telegram's HTML parse mode: b, i, s, code, pre, a href and blockquote. */
export const telegramHtmlDialect: Dialect = {
  name: 'telegram-html',
  escapeText: escapeTelegramHtml,
  escapeCode: escapeTelegramHtml,
  bold: { open: '<b>', close: '</b>' },
  italic: { open: '<i>', close: '</i>' },
  strike: { open: '<s>', close: '</s>' },
  inlineCode: { open: '<code>', close: '</code>' },
  link(href) {
    if (!isLinkableUrl(href)) return undefined;
    return { open: `<a href="${escapeTelegramHtml(href)}">`, close: '</a>' };
  },
  codeBlock(language) {
    const safe = language.replace(/[^A-Za-z0-9_+#.-]/g, '');
    return safe
      ? { open: `<pre><code class="language-${safe}">`, close: '</code></pre>' }
      : { open: '<pre>', close: '</pre>' };
  },
  quote: { wrap: { open: '<blockquote>', close: '</blockquote>' } },
};
