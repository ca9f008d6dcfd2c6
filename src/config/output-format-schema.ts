import { z } from 'zod';
import type { ResponseFormat } from '../contracts/message.ts';
import { jsonSchemaDocument } from './json-schema-document.ts';

/**
 * `output:` of an agent or a job: `text` (the default), `json` (any JSON value), or `{ schema, name? }`
 * (JSON matching a JSON Schema). Carried to the provider natively and checked by the router, which
 * escalates an answer that is not valid JSON or does not match.
 */
export const outputFormatSchema = z
  .union(
    [
      // The mapping first: the union's error for a mapping is then the problem inside it.
      z.strictObject({
        schema: jsonSchemaDocument,
        name: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'a schema name is 1-64 letters, digits, _ or -' })
          .optional()
          .describe('A name for the schema (some providers show it to the model).'),
      }),
      z.enum(['text', 'json'], { error: 'expected text, json or { schema: <JSON Schema> }' }),
    ],
    { error: 'expected text, json or { schema: <JSON Schema> }' },
  )
  .describe(
    'The final answer format: text, json (any JSON value) or { schema: <JSON Schema> }; an answer that is not valid JSON (or does not match) escalates to the next tier.',
  );

/** The YAML value of `output:`, resolved to the router's response format. */
export function resolveOutputFormat(value: z.output<typeof outputFormatSchema>): ResponseFormat {
  if (value === 'text') return { type: 'text' };
  if (value === 'json') return { type: 'json' };
  return { type: 'json-schema', schema: value.schema, ...(value.name ? { name: value.name } : {}) };
}

/** A resolved format back in its YAML shape (for `jobs edit`, which validates the whole job again). */
export function outputFormatToRaw(format: ResponseFormat): z.input<typeof outputFormatSchema> {
  if (format.type === 'json-schema')
    return { schema: format.schema, ...(format.name ? { name: format.name } : {}) };
  return format.type;
}
