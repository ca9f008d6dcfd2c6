const secretKeys = new Set(['apiKey', 'token', 'botToken', 'secret', 'headers', 'authorization', 'password']);

/**
 * The running config as JSON with every secret replaced: fields that hold one (`apiKey`, `token`,
 * `botToken`, `secret`, header values) become "[set]" or "[unset]", and any secret value met elsewhere
 * (inside a URL) is cut out too.
 */
export function maskConfig(config: unknown): unknown {
  const secrets = new Set<string>();
  const collect = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.length >= 4) secrets.add(value);
    } else if (value && typeof value === 'object') for (const inner of Object.values(value)) collect(inner);
  };
  const mask = (value: unknown, key?: string): unknown => {
    if (key !== undefined && secretKeys.has(key)) {
      collect(value);
      if (value && typeof value === 'object')
        return Object.fromEntries(Object.keys(value).map((name) => [name, '[set]']));
      return value === undefined || value === '' ? '[unset]' : '[set]';
    }
    if (Array.isArray(value)) return value.map((item) => mask(item));
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, mask(inner, name)]));
    return value;
  };
  const masked = mask(config);
  let text = JSON.stringify(masked);
  for (const secret of secrets) text = text.split(JSON.stringify(secret).slice(1, -1)).join('[secret]');
  return JSON.parse(text);
}
