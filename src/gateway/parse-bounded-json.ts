import type { GatewayLimits } from '../contracts/pyramid-config.ts';

/** Where a JSON body goes past a limit: the field (`tools[0].function…`) and a sentence saying why. */
export type JsonLimitBreach = { param: string; message: string };

type Limits = Pick<GatewayLimits, 'depth' | 'items' | 'stringLength'>;

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

function breach(path: readonly (string | number)[], problem: string): JsonLimitBreach {
  const param = formatPath(path);
  return { param, message: `The request body ${param ? `at '${param}' ` : ''}${problem}.` };
}

const deeper = (max: number) => `nests objects and arrays deeper than ${max} levels (gateway.limits.depth)`;

const quote = 34;
const backslash = 92;
const comma = 44;
const openBrace = 123;
const closeBrace = 125;
const openBracket = 91;
const closeBracket = 93;

/**
 * The nesting depth of JSON text, measured before it is parsed, so that a body nested a million deep
 * is refused without building it (JSON.parse of 2 MB of `[[[…` takes most of a second). One pass over
 * the structural characters (strings are skipped with indexOf); for the path of a breach it keeps,
 * per open container up to the limit, the offsets of its current key or its item index. Malformed text
 * is left for JSON.parse to report.
 */
function scanDepth(text: string, maxDepth: number): JsonLimitBreach | undefined {
  // Index 1..maxDepth: the open containers; 1 for an object, 2 for an array.
  const kind = new Uint8Array(maxDepth + 1);
  const keyStart = new Int32Array(maxDepth + 1);
  const keyEnd = new Int32Array(maxDepth + 1);
  const index = new Int32Array(maxDepth + 1);
  let depth = 0;
  let expectKey = false;
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === quote) {
      let end = text.indexOf('"', at + 1);
      for (;;) {
        if (end < 0) return undefined;
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === backslash) slashes++;
        if (slashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (expectKey && depth > 0) {
        keyStart[depth] = at;
        keyEnd[depth] = end + 1;
        expectKey = false;
      }
      at = end;
    } else if (code === openBrace || code === openBracket) {
      if (depth === maxDepth) {
        const path: (string | number)[] = [];
        for (let level = 1; level <= depth; level++) {
          if (kind[level] === 2) path.push(index[level]);
          else {
            const literal = text.slice(keyStart[level], keyEnd[level]);
            try {
              path.push(JSON.parse(literal) as string);
            } catch {
              path.push('?');
            }
          }
        }
        return breach(path, deeper(maxDepth));
      }
      depth++;
      kind[depth] = code === openBrace ? 1 : 2;
      index[depth] = 0;
      keyStart[depth] = 0;
      keyEnd[depth] = 0;
      expectKey = code === openBrace;
    } else if (code === closeBrace || code === closeBracket) {
      if (depth > 0) depth--;
      expectKey = false;
    } else if (code === comma && depth > 0) {
      if (kind[depth] === 2) index[depth]++;
      else expectKey = true;
    }
  }
  return undefined;
}

/**
 * Walks a parsed value once for the other limits: items in an array or keys in an object, characters
 * in a string or key (and depth again, which keeps the walk's own recursion bounded by the limit).
 */
function walk(value: unknown, limits: Limits): JsonLimitBreach | undefined {
  const { depth: maxDepth, items: maxItems, stringLength: maxLength } = limits;
  const path: (string | number)[] = [];
  const longString = (length: number) =>
    `is ${length} characters long; the limit is ${maxLength} (gateway.limits.stringLength)`;
  const visit = (node: unknown, depth: number): string | undefined => {
    if (typeof node === 'string') return node.length > maxLength ? longString(node.length) : undefined;
    if (typeof node !== 'object' || node === null) return undefined;
    if (depth >= maxDepth) return deeper(maxDepth);
    if (Array.isArray(node)) {
      if (node.length > maxItems)
        return `has ${node.length} items; the limit is ${maxItems} (gateway.limits.items)`;
      for (let position = 0; position < node.length; position++) {
        const item: unknown = node[position];
        if (typeof item !== 'object' && typeof item !== 'string') continue;
        path.push(position);
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
  return problem === undefined ? undefined : breach(path, problem);
}

/**
 * Text longer than this is scanned for depth before it is parsed. Parsing deep nesting costs about a
 * microsecond a level, so up to here the worst case is tens of milliseconds; past it, the scan (about
 * a tenth of a parse for ordinary text) keeps a 2 MB `[[[…` from holding the event loop for a second.
 */
const scanFrom = 64 * 1024;

/**
 * JSON text parsed within `limits`: nesting depth (checked on long text before parsing, and on the
 * value), items per array or keys per object, and characters per string (checked on the value).
 * Returns the value, or the first breach naming its field; throws JSON.parse's SyntaxError for text
 * that is not JSON.
 */
export function parseBoundedJson(
  text: string,
  limits: Limits,
): { value: unknown; breach?: undefined } | { value?: undefined; breach: JsonLimitBreach } {
  if (text.length > scanFrom) {
    const tooDeep = scanDepth(text, limits.depth);
    if (tooDeep) return { breach: tooDeep };
  }
  const value: unknown = JSON.parse(text);
  const breach = walk(value, limits);
  return breach ? { breach } : { value };
}
