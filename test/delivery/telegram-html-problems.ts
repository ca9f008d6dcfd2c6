const allowedTags = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'a',
  'code',
  'pre',
  'blockquote',
  'tg-spoiler',
  'span',
]);

/**
 * What Telegram's HTML parse mode would reject in `html`: unknown tags, unbalanced or crossed tags,
 * a bare `<` or `&`, an unknown entity. An empty list means it parses.
 */
export function telegramHtmlProblems(html: string): string[] {
  const problems: string[] = [];
  const open: string[] = [];
  const pattern =
    /<(\/?)([a-z-]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*>|&(#\d+|#x[0-9a-f]+|lt|gt|amp|quot);|[<>&]/gi;
  for (const match of html.matchAll(pattern)) {
    const [whole, slash, tag] = match;
    if (whole === '<' || whole === '&') {
      problems.push(`bare ${whole} at ${match.index}`);
      continue;
    }
    if (whole === '>' || whole.startsWith('&')) continue;
    const name = tag.toLowerCase();
    if (!allowedTags.has(name)) problems.push(`unsupported tag <${name}>`);
    if (!slash) {
      open.push(name);
    } else if (open.pop() !== name) {
      problems.push(`</${name}> does not close the innermost open tag`);
    }
  }
  if (open.length > 0) problems.push(`unclosed: ${open.join(', ')}`);
  return problems;
}

/** The text a Telegram client would show: tags removed, entities decoded. */
export function telegramVisibleText(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}
