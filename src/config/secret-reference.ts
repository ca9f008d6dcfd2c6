import { z } from 'zod';
import type { Env } from './config-section.ts';

const envPrefix = 'env:';
const envNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when `value` is written as an `env:NAME` reference. */
export function isEnvReference(value: string): boolean {
  return value.startsWith(envPrefix);
}

/** A string that is either a literal or a well-formed `env:NAME` reference. */
export function secretSchema(description: string) {
  return z
    .string()
    .min(1, { error: 'must not be empty (leave the key out instead)' })
    .refine((value) => !isEnvReference(value) || envNamePattern.test(value.slice(envPrefix.length)), {
      error:
        'an env: reference needs a variable name made of letters, digits and _ (for example env:GEMINI_API_KEY)',
    })
    .describe(`${description} Write "env:NAME" to read it from the environment variable NAME.`);
}

/** A secret's value, or why there is none (`missingEnv`: the unset variable's name). */
export type ResolvedSecret = { value?: string; unavailableReason?: string; missingEnv?: string };

/** The value of a literal or `env:NAME` reference. An unset variable is not an error: it yields a reason instead. */
export function resolveSecret(written: string, env: Env): ResolvedSecret {
  if (!isEnvReference(written)) return { value: written };
  const name = written.slice(envPrefix.length);
  const value = env[name];
  if (value === undefined || value === '')
    return { unavailableReason: `${written} is not set`, missingEnv: name };
  return { value };
}
