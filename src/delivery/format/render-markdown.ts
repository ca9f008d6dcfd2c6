import { chunkPieces } from './chunk-pieces.ts';
import type { Dialect } from './dialect.ts';
import { jsonAsCodeBlock } from './json-as-code-block.ts';
import { markdownToPieces } from './markdown-to-pieces.ts';
import type { MarkupPiece } from './markup-piece.ts';

export type RenderMarkdownOptions = {
  dialect: Dialect;
  /** The most characters one message may hold, markup included. */
  limit: number;
  /** A short bold line above the text (agent, job). */
  header?: string;
  /** A short italic line below the text (tier, model, cost). */
  footer?: string;
};

/**
 * Renders Markdown for a chat channel and cuts it into messages that each fit the channel's limit.
 * A text that is wholly a JSON object or array is shown as an indented JSON code block.
 */
export function renderMarkdown(output: string, options: RenderMarkdownOptions): string[] {
  const { dialect } = options;
  const markdown = jsonAsCodeBlock(output) ?? output;
  const parsed = markdown.trim() ? markdownToPieces(markdown, dialect) : [];
  // Markdown can parse to nothing visible (only a link definition, an empty list item or code block):
  // no message at all would be "delivered" unseen, and Telegram refuses one with only tags.
  const visible = parsed.some((piece) => piece.kind === 'text' && piece.text.trim() !== '');
  const body = visible ? parsed : [text(dialect, '(no output)')];
  const pieces: MarkupPiece[] = [];
  if (options.header) {
    pieces.push({ kind: 'open', wrap: dialect.bold, splittable: false }, text(dialect, options.header));
    pieces.push({ kind: 'close' }, { kind: 'break', level: 'block', text: '\n\n' });
  }
  pieces.push(...body);
  if (options.footer) {
    pieces.push({ kind: 'break', level: 'block', text: '\n\n' });
    pieces.push({ kind: 'open', wrap: dialect.italic, splittable: false }, text(dialect, options.footer));
    pieces.push({ kind: 'close' });
  }
  return chunkPieces(pieces, options.limit);
}

function text(dialect: Dialect, value: string): MarkupPiece {
  return { kind: 'text', text: dialect.escapeText(value) };
}
