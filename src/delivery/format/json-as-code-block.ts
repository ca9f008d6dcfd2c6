/**
 * An output that is wholly a JSON object or array (an agent with `output: json`), as a Markdown code
 * block, indented: read as Markdown, its `*` and `_` would turn into emphasis and its lines would run
 * together. Anything else (prose, Markdown, a bare number) is undefined: it is rendered as it is.
 */
export function jsonAsCodeBlock(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  // Indented JSON has no line starting with a backtick, so nothing inside can close the fence.
  return `\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;
}
