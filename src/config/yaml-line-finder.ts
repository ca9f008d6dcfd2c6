import type { Document, LineCounter } from 'yaml';
import { isAlias, isMap, isScalar, isSeq } from 'yaml';

/**
 * The 1-based line of the YAML node at `path` (of a mapping key, the key's line). When the path goes
 * deeper than the file (a missing key), the line of the deepest node that exists.
 */
export function yamlLineAt(document: Document, lineCounter: LineCounter, path: readonly PropertyKey[]) {
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;
  let node: unknown = document.contents;
  let line = isScalar(node) || isMap(node) || isSeq(node) ? lineOf(node.range?.[0]) : undefined;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(document);
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) break;
      if (isScalar(pair.key)) line = lineOf(pair.key.range?.[0]) ?? line;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined) break;
      if (isScalar(item) || isMap(item) || isSeq(item)) line = lineOf(item.range?.[0]) ?? line;
      node = item;
    } else {
      break;
    }
  }
  return line;
}
