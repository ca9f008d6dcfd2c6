import type { Dialect } from './dialect.ts';
import { isLinkableUrl } from './is-linkable-url.ts';

const zeroWidthSpace = '\u200B';

/** Escapes the three control characters Slack requires (`&`, `<`, `>`). */
export function escapeSlackControl(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes text for mrkdwn. Slack has no backslash escape, so a literal `*`, `_`, `~` or backtick that
 * could open or close formatting (not between two letters or digits, as in snake_case) is fenced with
 * zero-width spaces.
 */
export function escapeSlackText(text: string): string {
  return escapeSlackControl(text).replace(/[*_~`]/g, (mark, offset: number, whole: string) => {
    const before = whole[offset - 1] ?? '';
    const after = whole[offset + 1] ?? '';
    const inWord = /[\p{L}\p{N}]/u.test(before) && /[\p{L}\p{N}]/u.test(after);
    return inWord ? mark : `${zeroWidthSpace}${mark}${zeroWidthSpace}`;
  });
}

/**
 * Code cannot contain its own fence: inside a code span a backtick becomes a look-alike (U+02CB); inside
 * a block only a run of three is broken up, so the block stays closed.
 */
function escapeSlackCode(text: string, inline: boolean): string {
  const escaped = escapeSlackControl(text);
  return inline ? escaped.replace(/`/g, '\u02CB') : escaped.replace(/```/g, `\`\`${zeroWidthSpace}\``);
}

function encodeSlackUrl(href: string): string {
  return href.replace(/\|/g, '%7C').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/&/g, '&amp;');
}

/** Slack's mrkdwn: *bold*, _italic_, ~strike~, `code`, ``` blocks, <url|text> links, > quotes. */
export const slackMrkdwnDialect: Dialect = {
  name: 'slack-mrkdwn',
  escapeText: escapeSlackText,
  escapeCode: escapeSlackCode,
  bold: { open: '*', close: '*' },
  italic: { open: '_', close: '_' },
  strike: { open: '~', close: '~' },
  inlineCode: { open: '`', close: '`' },
  link(href) {
    if (!isLinkableUrl(href)) return undefined;
    return { open: `<${encodeSlackUrl(href)}|`, close: '>' };
  },
  codeBlock() {
    return { open: '```\n', close: '\n```' };
  },
  quote: { linePrefix: '> ' },
};
