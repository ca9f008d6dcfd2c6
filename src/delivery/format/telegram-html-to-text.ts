const linkPattern = /<a\s+href="([^"]*)"\s*>([\s\S]*?)<\/a>/gi;
// Only what looks like a tag: a bare `<` in broken HTML stays as text instead of eating what follows.
const tagPattern = /<\/?[a-z][a-z0-9-]*(?:\s[^<>]*)?>/gi;

/**
 * Telegram HTML (as the renderer writes it) as plain text for a message without parse mode: tags
 * removed, entities decoded, a link's target in parentheses after its text. When the targets would
 * push the text past `limit`, they are left out (the HTML already fit, and removing markup only shortens it).
 */
export function telegramHtmlToText(html: string, limit: number): string {
  const withTargets = toText(html, true);
  return withTargets.length <= limit ? withTargets : toText(html, false);
}

function toText(html: string, showTargets: boolean): string {
  const linked = html.replace(linkPattern, (_whole, href: string, inner: string) =>
    showTargets && inner.replace(tagPattern, '') !== href ? `${inner} (${href})` : inner,
  );
  return decodeEntities(linked.replace(tagPattern, ''));
}

function decodeEntities(text: string): string {
  return text.replace(/&(#\d+|#x[0-9a-f]+|lt|gt|quot|amp);/gi, (whole, name: string) => {
    const lower = name.toLowerCase();
    if (lower === 'lt') return '<';
    if (lower === 'gt') return '>';
    if (lower === 'quot') return '"';
    if (lower === 'amp') return '&';
    const code = lower.startsWith('#x') ? Number.parseInt(lower.slice(2), 16) : Number(lower.slice(1));
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}
