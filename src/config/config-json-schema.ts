import { z } from 'zod';
import { configSchema } from './config-schema.ts';

/** JSON Schema (draft 2020-12) of pyramid.yaml as written, for editors (yaml-language-server). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'Pyramid config',
  };
}
