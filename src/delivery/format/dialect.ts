import type { Wrap } from './markup-piece.ts';

/** How one channel writes formatting: Telegram HTML or Slack mrkdwn. */
export type Dialect = {
  name: 'telegram-html' | 'slack-mrkdwn';
  /** Escapes ordinary text so that nothing in it reads as markup. */
  escapeText(text: string): string;
  /** Escapes text inside inline code (`inline`) or a code block. */
  escapeCode(text: string, inline: boolean): string;
  bold: Wrap;
  italic: Wrap;
  strike: Wrap;
  inlineCode: Wrap;
  /** A link around its text; undefined when the URL cannot be a link in this dialect. */
  link(href: string): Wrap | undefined;
  codeBlock(language: string): Wrap;
  /** A quote is either a wrap (Telegram) or a prefix on every line (Slack). */
  quote: { wrap: Wrap } | { linePrefix: string };
};
