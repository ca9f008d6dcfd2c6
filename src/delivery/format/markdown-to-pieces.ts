import type { Token } from 'markdown-it';
import MarkdownIt from 'markdown-it';
import type { Dialect } from './dialect.ts';
import type { MarkupPiece } from './markup-piece.ts';
import { tableLines } from './table-lines.ts';

type ListState = { ordered: boolean; next: number; tight: boolean };

/**
 * Parses Markdown (CommonMark with tables and strikethrough; raw HTML is shown as text) into pieces of
 * the dialect. Headings become bold lines, lists get • or numbers, tables become aligned monospace.
 */
export function markdownToPieces(markdown: string, dialect: Dialect): MarkupPiece[] {
  const parser = new MarkdownIt('default', { html: false, linkify: true });
  return new PieceWriter(dialect).write(parser.parse(markdown, {}));
}

class PieceWriter {
  readonly #dialect: Dialect;
  readonly #pieces: MarkupPiece[] = [];
  /** Line prefixes in force (Slack quote marks, list indentation). */
  readonly #prefixes: string[] = [];
  readonly #lists: ListState[] = [];
  /** Whether content was written since the start or the last container opened (no break needed before the first block). */
  #hasContent = false;
  #pendingBreak: 'block' | 'line' | undefined;
  #pendingMarker: string | undefined;
  #needLineStart = true;
  #breakPrefix = '';

  constructor(dialect: Dialect) {
    this.#dialect = dialect;
  }

  write(tokens: Token[]): MarkupPiece[] {
    for (let index = 0; index < tokens.length; index++) {
      const token = tokens[index];
      switch (token.type) {
        case 'paragraph_open':
        case 'html_block':
        case 'hr':
          this.#requestBreak(this.#insideTightList() && token.hidden ? 'line' : 'block');
          if (token.type === 'html_block') this.#textLines(token.content.replace(/\n+$/, ''));
          if (token.type === 'hr') {
            this.#beginLine();
            this.#pieces.push({ kind: 'text', text: '———' });
          }
          break;
        case 'heading_open':
          this.#requestBreak('block');
          this.#beginLine();
          this.#pieces.push({ kind: 'open', wrap: this.#dialect.bold, splittable: false });
          break;
        case 'heading_close':
          this.#pieces.push({ kind: 'close' });
          break;
        case 'inline':
          this.#beginLine();
          this.#inline(token.children ?? []);
          break;
        case 'fence':
        case 'code_block':
          this.#codeBlock(
            token.info.trim().split(/\s+/)[0] ?? '',
            token.content.replace(/\n$/, '').split('\n'),
          );
          break;
        case 'blockquote_open':
          this.#requestBreak('block');
          if ('wrap' in this.#dialect.quote) {
            this.#beginLine();
            this.#pieces.push({ kind: 'open', wrap: this.#dialect.quote.wrap, splittable: true });
            this.#hasContent = false;
            this.#needLineStart = true;
          } else {
            this.#prefixes.push(this.#dialect.quote.linePrefix);
          }
          break;
        case 'blockquote_close':
          if ('wrap' in this.#dialect.quote) this.#pieces.push({ kind: 'close' });
          else this.#prefixes.pop();
          this.#hasContent = true;
          break;
        case 'bullet_list_open':
        case 'ordered_list_open':
          this.#requestBreak(this.#lists.length > 0 ? 'line' : 'block');
          this.#lists.push({
            ordered: token.type === 'ordered_list_open',
            next: Number(token.attrGet('start') ?? 1),
            tight: isTight(tokens, index),
          });
          break;
        case 'bullet_list_close':
        case 'ordered_list_close':
          this.#lists.pop();
          break;
        case 'list_item_open': {
          const list = this.#lists[this.#lists.length - 1];
          this.#requestBreak(list.tight ? 'line' : 'block');
          const marker = list.ordered ? `${list.next++}. ` : '• ';
          // The marker is written with the prefixes around it; continuation lines are indented under the text.
          this.#pendingMarker = this.#prefixes.join('') + marker;
          this.#prefixes.push(' '.repeat(marker.length));
          break;
        }
        case 'list_item_close':
          this.#prefixes.pop();
          this.#pendingMarker = undefined;
          break;
        case 'table_open': {
          const end = tokens.findIndex((candidate, at) => at > index && candidate.type === 'table_close');
          this.#table(tokens.slice(index, end));
          index = end;
          break;
        }
        default:
          break;
      }
    }
    return this.#pieces;
  }

  #insideTightList(): boolean {
    const list = this.#lists[this.#lists.length - 1];
    return list?.tight ?? false;
  }

  #requestBreak(level: 'block' | 'line'): void {
    this.#needLineStart = true;
    if (!this.#hasContent) return;
    // A blank line inside a Slack quote keeps the quote mark; the prefix is the one of the block that ended.
    if (this.#pendingBreak === undefined) this.#breakPrefix = this.#prefixes.join('').trimEnd();
    if (this.#pendingBreak !== 'block') this.#pendingBreak = level;
  }

  /** Writes the pending break and the line's prefix (or list marker) before a block's first content. */
  #beginLine(): void {
    if (!this.#needLineStart) return;
    this.#needLineStart = false;
    const prefix = this.#prefixes.join('');
    if (this.#pendingBreak) {
      const blank = this.#pendingBreak === 'block' ? `${this.#breakPrefix}\n` : '';
      this.#pieces.push({ kind: 'break', level: this.#pendingBreak, text: `\n${blank}` });
      this.#pendingBreak = undefined;
    }
    const start = this.#pendingMarker ?? prefix;
    this.#pendingMarker = undefined;
    if (start) this.#pieces.push({ kind: 'text', text: start });
    this.#hasContent = true;
  }

  #lineBreak(): void {
    this.#pieces.push({ kind: 'break', level: 'line', text: '\n' });
    const prefix = this.#prefixes.join('');
    if (prefix) this.#pieces.push({ kind: 'text', text: prefix });
  }

  #textLines(text: string): void {
    this.#beginLine();
    text.split('\n').forEach((line, at) => {
      if (at > 0) this.#lineBreak();
      this.#pieces.push({ kind: 'text', text: this.#dialect.escapeText(line) });
    });
  }

  #codeBlock(language: string, lines: string[]): void {
    this.#requestBreak('block');
    this.#beginLine();
    this.#pieces.push({ kind: 'open', wrap: this.#dialect.codeBlock(language), splittable: true });
    lines.forEach((line, at) => {
      // Code keeps its own indentation: no list or quote prefix inside the block.
      if (at > 0) this.#pieces.push({ kind: 'break', level: 'line', text: '\n' });
      if (line) this.#pieces.push({ kind: 'text', text: this.#dialect.escapeCode(line, false) });
    });
    this.#pieces.push({ kind: 'close' });
    this.#needLineStart = true;
  }

  #table(tokens: Token[]): void {
    const rows: string[][] = [];
    let row: string[] = [];
    for (const token of tokens) {
      if (token.type === 'tr_open') row = [];
      else if (token.type === 'inline') row.push(plainText(token.children ?? []));
      else if (token.type === 'tr_close') rows.push(row);
    }
    this.#codeBlock('', tableLines(rows));
  }

  #inline(children: Token[]): void {
    const dialect = this.#dialect;
    const linkSuffixes: (string | undefined)[] = [];
    for (const child of children) {
      switch (child.type) {
        case 'text':
        case 'html_inline':
          if (child.content) this.#pieces.push({ kind: 'text', text: dialect.escapeText(child.content) });
          break;
        case 'softbreak':
        case 'hardbreak':
          this.#lineBreak();
          break;
        case 'strong_open':
        case 'em_open':
        case 's_open': {
          const wrap =
            child.type === 'strong_open'
              ? dialect.bold
              : child.type === 'em_open'
                ? dialect.italic
                : dialect.strike;
          this.#pieces.push({ kind: 'open', wrap, splittable: false });
          break;
        }
        case 'strong_close':
        case 'em_close':
        case 's_close':
          this.#pieces.push({ kind: 'close' });
          break;
        case 'code_inline':
          this.#pieces.push({ kind: 'open', wrap: dialect.inlineCode, splittable: false });
          this.#pieces.push({ kind: 'text', text: dialect.escapeCode(child.content, true) });
          this.#pieces.push({ kind: 'close' });
          break;
        case 'link_open': {
          const href = String(child.attrGet('href') ?? '');
          const wrap = dialect.link(href);
          if (wrap) this.#pieces.push({ kind: 'open', wrap, splittable: false });
          linkSuffixes.push(wrap ? undefined : href);
          break;
        }
        case 'link_close': {
          const suffix = linkSuffixes.pop();
          if (suffix === undefined) this.#pieces.push({ kind: 'close' });
          else if (suffix) this.#pieces.push({ kind: 'text', text: dialect.escapeText(` (${suffix})`) });
          break;
        }
        case 'image': {
          const href = String(child.attrGet('src') ?? '');
          const wrap = dialect.link(href);
          const alt = child.content || 'image';
          if (wrap) {
            this.#pieces.push({ kind: 'open', wrap, splittable: false });
            this.#pieces.push({ kind: 'text', text: dialect.escapeText(alt) });
            this.#pieces.push({ kind: 'close' });
          } else {
            this.#pieces.push({ kind: 'text', text: dialect.escapeText(`${alt} (${href})`) });
          }
          break;
        }
        default:
          if (child.content) this.#pieces.push({ kind: 'text', text: dialect.escapeText(child.content) });
      }
    }
  }
}

/** A list is tight when markdown-it hid its paragraphs. */
function isTight(tokens: Token[], listOpen: number): boolean {
  const paragraph = tokens.slice(listOpen + 1).find((token) => token.type === 'paragraph_open');
  return paragraph?.hidden ?? true;
}

function plainText(children: Token[]): string {
  return children
    .map((child) =>
      child.type === 'text' || child.type === 'code_inline' || child.type === 'image'
        ? child.content
        : child.type === 'softbreak' || child.type === 'hardbreak'
          ? ' '
          : '',
    )
    .join('');
}
