import { z } from 'zod';
import { didYouMean } from './closest-name.ts';
import { flattenZodIssues } from './flatten-zod-issues.ts';
import { zodErrorMessage } from './zod-error-message.ts';

const typeNames = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'] as const;
const count = z.number().int({ error: 'expected a whole number' }).min(0);
const typeName = z.enum(typeNames, { error: `expected one of ${typeNames.join(', ')}` });

/** A schema inside a schema: a mapping, or `true`/`false` (anything, nothing). */
const subschema: z.ZodType = z.lazy(() =>
  z.union([z.boolean(), documentShape], { error: 'expected a JSON Schema (a mapping, or true or false)' }),
);
const subschemas = z.lazy(() => z.array(subschema).min(1));
const subschemaMap = z.lazy(() => z.record(z.string(), subschema));

const validPattern = z.string().refine(
  (pattern) => {
    try {
      new RegExp(pattern, 'u');
      return true;
    } catch {
      return false;
    }
  },
  { error: 'not a valid regular expression' },
);

// Keywords whose values are checked; the others in `knownKeywords` are accepted as they are.
const documentShape = z
  .looseObject({
    type: z.union([typeName, z.array(typeName).min(1)]).optional(),
    properties: subschemaMap.optional(),
    patternProperties: subschemaMap.optional(),
    additionalProperties: subschema.optional(),
    required: z.array(z.string()).optional(),
    items: subschema.optional(),
    prefixItems: subschemas.optional(),
    enum: z.array(z.unknown()).min(1).optional(),
    anyOf: subschemas.optional(),
    oneOf: subschemas.optional(),
    allOf: subschemas.optional(),
    not: subschema.optional(),
    $defs: subschemaMap.optional(),
    definitions: subschemaMap.optional(),
    $ref: z.string().optional(),
    minLength: count.optional(),
    maxLength: count.optional(),
    minItems: count.optional(),
    maxItems: count.optional(),
    minProperties: count.optional(),
    maxProperties: count.optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    exclusiveMinimum: z.number().optional(),
    exclusiveMaximum: z.number().optional(),
    multipleOf: z.number().positive().optional(),
    pattern: validPattern.optional(),
    format: z.string().optional(),
    title: z.string().optional(),
    description: z.string().optional(),
  })
  .superRefine(
    (schema, context) => {
      // A misspelt keyword would silently allow anything; vendor extensions are written `x-...`.
      for (const key of Object.keys(schema)) {
        if (knownKeywords.has(key) || key.startsWith('x-')) continue;
        const hint = didYouMean(key, knownKeywords) || ` (a vendor extension is written x-${key})`;
        context.addIssue({
          code: 'custom',
          path: [key],
          message: `unknown JSON Schema keyword "${key}"${hint}`,
        });
      }
    },
    // Also when a value inside is wrong, so that every mistake is reported at once.
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );

const knownKeywords = new Set([
  ...Object.keys(documentShape.shape),
  ...[
    '$schema',
    '$id',
    '$anchor',
    '$comment',
    '$dynamicRef',
    '$dynamicAnchor',
    'default',
    'examples',
    'deprecated',
    'readOnly',
    'writeOnly',
    'const',
    'contentMediaType',
    'contentEncoding',
    'additionalItems',
    'contains',
    'minContains',
    'maxContains',
    'uniqueItems',
    'propertyNames',
    'dependentRequired',
    'dependentSchemas',
    'dependencies',
    'unevaluatedProperties',
    'unevaluatedItems',
    'if',
    'then',
    'else',
    // OpenAPI and Gemini response schemas.
    'nullable',
    'propertyOrdering',
  ],
]);

/**
 * A JSON Schema document (a mapping) as config accepts it: known keywords with values of the right
 * kind at every depth, so a mistake is reported at its path (`...schema.properties.label.type`),
 * and a schema Pyramid can check answers against (zod's `fromJSONSchema` must understand it).
 * The value is kept as written (key order included): the checks only read it.
 */
export const jsonSchemaDocument = z
  .record(z.string(), z.unknown(), {
    error: (issue) =>
      issue.input === undefined
        ? 'is required: the JSON Schema goes under schema (output: { schema: { type: object, ... } })'
        : 'expected a JSON Schema (a mapping such as { type: object })',
  })
  .superRefine((schema, context) => {
    const checked = documentShape.safeParse(schema, { error: zodErrorMessage });
    if (!checked.success) {
      for (const issue of flattenZodIssues(checked.error.issues, documentShape))
        context.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      return;
    }
    try {
      z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    } catch (error) {
      context.addIssue({
        code: 'custom',
        message: `Pyramid cannot check answers against this schema: ${(error as Error).message}`,
      });
    }
  })
  .describe('A JSON Schema (draft 2020-12 keywords).');
