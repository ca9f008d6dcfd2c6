import type { z } from 'zod';
import { GatewayHttpError } from './gateway-http-error.ts';

/** `messages.0.content` as OpenAI writes it (`messages[0].content`) or Anthropic does (`messages.0.content`). */
export type ParamStyle = 'brackets' | 'dots';

/** A field path as the protocol names fields. */
export function paramName(path: readonly PropertyKey[], style: ParamStyle = 'brackets'): string {
  return path.reduce<string>(
    (name, key) =>
      typeof key === 'number' && style === 'brackets'
        ? `${name}[${key}]`
        : name
          ? `${name}.${String(key)}`
          : String(key),
    '',
  );
}

/**
 * Validates a JSON body against a protocol's schema; the first problem is a 400 naming the field
 * (`param`), "Missing required parameter" when it is absent.
 */
export function parseRequestBody<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  style: ParamStyle = 'brackets',
): z.infer<Schema> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw invalidParam('', 'The request body must be a JSON object.');
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = paramName(issue.path, style);
  const missing =
    issue.path.length > 0 &&
    issue.path.reduce<unknown>((value, key) => (value as Record<PropertyKey, unknown>)?.[key], input) ===
      undefined;
  throw invalidParam(
    param,
    missing ? `Missing required parameter: '${param}'.` : `Invalid value for '${param}': ${issue.message}.`,
  );
}

/** A 400 `invalid_request` naming the field at fault. */
export function invalidParam(param: string, message: string): GatewayHttpError {
  return new GatewayHttpError(400, 'invalid_request_error', 'invalid_request', message, { param });
}
