import type { CST } from 'yaml';

/**
 * The offset of the first collection nested deeper than `maxDepth` in parsed YAML tokens, or undefined.
 * Walks with its own stack (never recursion), so that a 5,000-deep file is measured, not a stack overflow;
 * run it before composing the document, whose code is recursive.
 */
export function yamlNestingOffset(tokens: readonly CST.Token[], maxDepth: number): number | undefined {
  const stack: { token: CST.Token | null | undefined; depth: number }[] = tokens.map((token) => ({
    token,
    depth: 0,
  }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    if (!token) continue;
    if (token.type === 'document') {
      stack.push({ token: token.value, depth });
    } else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth + 1 > maxDepth) return token.offset;
      for (const item of token.items) {
        stack.push({ token: item.key, depth: depth + 1 }, { token: item.value, depth: depth + 1 });
      }
    }
  }
  return undefined;
}
