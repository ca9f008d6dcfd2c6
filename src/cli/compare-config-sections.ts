import { configSections } from '../config/config-sections.ts';
import type { SectionChange } from '../contracts/config-reload.ts';
import type { PyramidConfig } from '../contracts/pyramid-config.ts';

/**
 * Settings a running `pyramid start` cannot change without a restart: the listening socket's (port,
 * bind address, connection limits), the host check built with it, the agent lanes' sizes and the
 * store. Everything else is applied in place by a reload.
 */
const restartOnly: Partial<Record<keyof PyramidConfig, readonly string[] | 'all'>> = {
  gateway: ['port', 'bind', 'allowedHosts', 'connections'],
  concurrency: 'all',
  store: 'all',
};

/** The changes between two configs, section by section, in documentation order (unchanged ones left out). */
export function compareConfigSections(running: PyramidConfig, next: PyramidConfig): SectionChange[] {
  const changes: SectionChange[] = [];
  for (const section of Object.keys(configSections) as Array<keyof PyramidConfig>) {
    const change = compareValues(section, running[section], next[section]);
    if (change) changes.push(change);
  }
  return changes;
}

/** The changed settings of `changes` that need a restart, as `store` or `gateway.port`. */
export function restartNeeded(changes: readonly SectionChange[]): string[] {
  return changes.flatMap((change) => {
    const only = restartOnly[change.section as keyof PyramidConfig];
    if (only === undefined) return [];
    if (only === 'all') return [change.section];
    return [...change.added, ...change.removed, ...change.changed]
      .filter((key) => only.includes(key))
      .map((key) => `${change.section}.${key}`);
  });
}

/** The sections of `changes` a reload applies: all but those whose every change needs a restart. */
export function appliedSections(changes: readonly SectionChange[]): string[] {
  const needed = new Set(restartNeeded(changes));
  return changes
    .filter((change) => {
      if (restartOnly[change.section as keyof PyramidConfig] === undefined) return true;
      const keys = [...change.added, ...change.removed, ...change.changed];
      return keys.some((key) => !needed.has(`${change.section}.${key}`)) && !needed.has(change.section);
    })
    .map((change) => change.section);
}

/**
 * One section's change: a mapping (or a list, by index) is compared entry by entry; anything else
 * (a section added or removed, a scalar) is one change with no names.
 */
export function compareValues(section: string, running: unknown, next: unknown): SectionChange | undefined {
  if (same(running, next)) return undefined;
  const change: SectionChange = { section, added: [], removed: [], changed: [] };
  const entries = (value: unknown) =>
    Array.isArray(value)
      ? new Map(value.map((item, index) => [String(index), item]))
      : isMapping(value)
        ? new Map(Object.entries(value))
        : undefined;
  const before = entries(running);
  const after = entries(next);
  if (!before || !after || Array.isArray(running) !== Array.isArray(next)) return change;
  for (const [key, value] of after) {
    if (!before.has(key)) change.added.push(key);
    else if (!same(before.get(key), value)) change.changed.push(key);
  }
  for (const key of before.keys()) if (!after.has(key)) change.removed.push(key);
  return change;
}

/** Whether two resolved config values are equal (they are plain data: JSON says it). */
export function same(left: unknown, right: unknown): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
