import { InvalidQueryError } from './errors/invalid-query-error.ts';
import { PyramidError } from './errors/pyramid-error.ts';

/** Reads one query parameter: its value (undefined when absent) to the parsed value, or throws a message. */
export type QueryField<T> = (value: string | undefined) => T;

type Parsed<Fields extends Record<string, QueryField<unknown>>> = {
  [Name in keyof Fields]: ReturnType<Fields[Name]>;
};

/** Thrown by a field's parser; parseQuery names the parameter. */
class BadValue extends Error {}

/**
 * The query of an HTTP request (every value of every parameter, as Hono's `c.req.queries()` gives it)
 * read with `fields`, the same way on every endpoint: a parameter the endpoint does not take, one given
 * twice, or a value its field refuses is an InvalidQueryError naming the parameter (answered 400).
 */
export function parseQuery<Fields extends Record<string, QueryField<unknown>>>(
  query: Record<string, string[]>,
  fields: Fields,
): Parsed<Fields> {
  for (const [name, values] of Object.entries(query)) {
    if (!Object.hasOwn(fields, name)) {
      const known = Object.keys(fields);
      throw new InvalidQueryError(
        name,
        `Unknown query parameter '${name}': ${known.length > 0 ? `this endpoint takes ${known.join(', ')}` : 'this endpoint takes none'}.`,
      );
    }
    if (values.length > 1)
      throw new InvalidQueryError(
        name,
        `The query parameter '${name}' is given ${values.length} times; give it once.`,
      );
  }
  const parsed: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) {
    const value = Object.hasOwn(query, name) ? query[name][0] : undefined;
    try {
      parsed[name] = field(value);
    } catch (error) {
      if (error instanceof PyramidError)
        throw new InvalidQueryError(name, `Invalid query parameter '${name}': ${error.message}.`);
      if (!(error instanceof BadValue)) throw error;
      const shown = value !== undefined && value.length > 40 ? `${value.slice(0, 40)}…` : value;
      throw new InvalidQueryError(
        name,
        `Invalid value '${shown}' for the query parameter '${name}': ${error.message}.`,
      );
    }
  }
  return parsed as Parsed<Fields>;
}

const wholeNumber = /^\d{1,16}$/;

/** A whole number from `min` to `max` (digits only: no sign, decimals or exponent); `fallback` when absent. */
export function integerQuery(options: { min: number; max: number; fallback: number }): QueryField<number> {
  const expected = `expected a whole number from ${options.min} to ${options.max}`;
  return (value) => {
    if (value === undefined) return options.fallback;
    const number = wholeNumber.test(value) ? Number(value) : Number.NaN;
    if (!(number >= options.min && number <= options.max)) throw new BadValue(expected);
    return number;
  };
}

/** One of `values`; `fallback` when absent (undefined if none is given). */
export function oneOfQuery<T extends string>(values: readonly T[]): QueryField<T | undefined>;
export function oneOfQuery<T extends string>(values: readonly T[], fallback: T): QueryField<T>;
export function oneOfQuery<T extends string>(values: readonly T[], fallback?: T): QueryField<T | undefined> {
  const expected = `expected one of ${values.join(', ')}`;
  return (value) => {
    if (value === undefined) return fallback;
    if (!values.includes(value as T)) throw new BadValue(expected);
    return value as T;
  };
}

/** A non-empty string of at most `maxLength` characters (an id); undefined when absent. */
export function textQuery(maxLength = 200): QueryField<string | undefined> {
  return (value) => {
    if (value === undefined) return undefined;
    if (value === '') throw new BadValue('expected a value');
    if (value.length > maxLength) throw new BadValue(`expected at most ${maxLength} characters`);
    return value;
  };
}

/** A switch: present with no value, `true` or `1` is on; `false` or `0` off; absent is off. */
export function flagQuery(): QueryField<boolean> {
  return (value) => {
    if (value === undefined || value === 'false' || value === '0') return false;
    if (value === '' || value === 'true' || value === '1') return true;
    throw new BadValue('expected no value, true or false');
  };
}

/** A value read by `parse`, whose PyramidError message explains a bad value; `fallback` when absent. */
export function customQuery<T>(parse: (value: string) => T, fallback: string): QueryField<T> {
  return (value) => parse(value ?? fallback);
}
