import type { z } from 'zod';

type Def = {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
};

function definition(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The schemas a value at `path` may match, wrappers (optional, default, pipe) removed. */
function schemasAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType[] {
  const def = definition(schema);
  if (def.innerType) return schemasAt(def.innerType, path);
  if (def.type === 'pipe' && def.in) return schemasAt(def.in, path);
  if (def.type === 'union' && def.options) return def.options.flatMap((option) => schemasAt(option, path));
  if (path.length === 0) return [schema];
  const [head, ...rest] = path;
  if (def.type === 'object' && def.shape) {
    const child = def.shape[String(head)];
    return child ? schemasAt(child, rest) : [];
  }
  if (def.type === 'record' && def.valueType) return schemasAt(def.valueType, rest);
  if (def.type === 'array' && def.element) return schemasAt(def.element, rest);
  return [];
}

/** The keys an object schema at `path` accepts (for "did you mean" on unknown keys). */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  return schemasAt(schema, path).flatMap((found) => Object.keys(definition(found).shape ?? {}));
}
