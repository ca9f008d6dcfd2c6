import type { GatewayLimits } from '../contracts/pyramid-config.ts';

/** The first place a parsed JSON body goes past a limit: the field (`tools[0].function…`) and why. */
export type JsonLimitBreach = { param: string; message: string };

/** Path segments shown before the rest is elided, so a 5,000-deep path stays one short line. */
const shownSegments = 8;

function formatPath(path: readonly (string | number)[]): string {
  let name = '';
  for (const segment of path.slice(0, shownSegments)) {
    const key = typeof segment === 'string' && segment.length > 40 ? `${segment.slice(0, 40)}…` : segment;
    name = typeof key === 'number' ? `${name}[${key}]` : name ? `${name}.${key}` : key;
  }
  return path.length > shownSegments ? `${name}…` : name;
}

/**
 * Walks a value from JSON.parse once and returns the first breach of `limits` (nesting depth, items
 * in an array or keys in an object, characters in a string or key), or undefined. The walk stops
 * descending at the depth limit, so its own recursion is bounded by the limit whatever the input.
 */
export function checkJsonLimits(
  value: unknown,
  limits: Pick<GatewayLimits, 'depth' | 'items' | 'stringLength'>,
): JsonLimitBreach | undefined {
  const { depth: maxDepth, items: maxItems, stringLength: maxLength } = limits;
  const path: (string | number)[] = [];
  const longString = (length: number) =>
    `is ${length} characters long; the limit is ${maxLength} (gateway.limits.stringLength)`;

  const visit = (node: unknown, depth: number): string | undefined => {
    if (typeof node === 'string') return node.length > maxLength ? longString(node.length) : undefined;
    if (typeof node !== 'object' || node === null) return undefined;
    if (depth >= maxDepth)
      return `nests objects and arrays deeper than ${maxDepth} levels (gateway.limits.depth)`;
    if (Array.isArray(node)) {
      if (node.length > maxItems)
        return `has ${node.length} items; the limit is ${maxItems} (gateway.limits.items)`;
      for (let index = 0; index < node.length; index++) {
        const item: unknown = node[index];
        if (typeof item !== 'object' && typeof item !== 'string') continue;
        path.push(index);
        const problem = visit(item, depth + 1);
        if (problem) return problem;
        path.pop();
      }
      return undefined;
    }
    const keys = Object.keys(node);
    if (keys.length > maxItems)
      return `has ${keys.length} keys; the limit is ${maxItems} (gateway.limits.items)`;
    for (const key of keys) {
      path.push(key);
      if (key.length > maxLength) return `is a key that ${longString(key.length)}`;
      const problem = visit((node as Record<string, unknown>)[key], depth + 1);
      if (problem) return problem;
      path.pop();
    }
    return undefined;
  };

  const problem = visit(value, 0);
  if (problem === undefined) return undefined;
  const param = formatPath(path);
  return {
    param,
    message: `The request body ${param ? `at '${param}' ` : ''}${problem}.`,
  };
}
