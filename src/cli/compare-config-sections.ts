import { configSections } from '../config/config-sections.ts';
import type { PyramidConfig } from '../contracts/pyramid-config.ts';

/** Sections a running `pyramid start` takes from a reloaded file; any other change needs a restart. */
export const reloadableSections = ['agents', 'jobs', 'retention', 'scheduler'] as const;

/** The top-level sections whose resolved value differs between two configs, in documentation order. */
export function changedSections(running: PyramidConfig, next: PyramidConfig): string[] {
  return Object.keys(configSections).filter(
    (section) =>
      JSON.stringify(running[section as keyof PyramidConfig]) !==
      JSON.stringify(next[section as keyof PyramidConfig]),
  );
}
