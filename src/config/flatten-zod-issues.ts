import type { z } from 'zod';
import { didYouMean } from './closest-name.ts';
import { knownKeysAt } from './known-keys.ts';

/** An issue with its path as segments, before it is given a dotted path and a line. */
export type PathedIssue = { path: PropertyKey[]; message: string };

/**
 * Zod issues as one issue per problem: unknown keys split per key (with a suggestion), unions reduced
 * to the branch that matched the value's type, invalid record keys explained.
 */
export function flattenZodIssues(
  issues: readonly z.core.$ZodIssue[],
  schema: z.ZodType,
  prefix: PropertyKey[] = [],
): PathedIssue[] {
  const flat: PathedIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, path);
      for (const key of issue.keys) {
        const hint = didYouMean(key, known);
        const valid = hint || (known.length > 0 ? ` (valid keys: ${known.join(', ')})` : '');
        flat.push({ path: [...path, key], message: `unknown key "${key}"${valid}` });
      }
    } else if (issue.code === 'invalid_union') {
      const matching = issue.errors.filter(
        (branch) => !branch.every((inner) => inner.code === 'invalid_type' && inner.path.length === 0),
      );
      if (matching.length === 0) flat.push({ path, message: issue.message });
      else flat.push(...flattenZodIssues(matching[0], schema, path));
    } else if (issue.code === 'invalid_key') {
      const reason = issue.issues.map((inner) => inner.message).join('; ');
      flat.push({ path, message: `invalid name "${String(path.at(-1))}": ${reason}` });
    } else {
      flat.push({ path, message: issue.message });
    }
  }
  return flat;
}
