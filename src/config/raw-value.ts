/** A plain mapping from the raw YAML, or undefined; checks use it to look at unvalidated input safely. */
export function asMapping(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The entries of a raw mapping, or none. */
export function mappingEntries(value: unknown): [string, unknown][] {
  const mapping = asMapping(value);
  return mapping ? Object.entries(mapping) : [];
}

/** True for a whole number >= 0. */
export function isTierNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
