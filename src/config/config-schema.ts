import { z } from 'zod';
import type { PyramidConfig } from '../contracts/pyramid-config.ts';
import { type ConfigSections, configSections } from './config-sections.ts';

type Shape = { [Key in keyof ConfigSections]: ConfigSections[Key]['schema'] };

const shape = Object.fromEntries(
  Object.entries(configSections).map(([key, section]) => [key, section.schema]),
) as unknown as Shape;

/** The YAML shape of pyramid.yaml (before `env:` and cross-section defaults are resolved). */
export const configSchema = z.strictObject(shape).describe('Pyramid config (pyramid.yaml).');

/** The validated YAML, defaults applied. */
export type ConfigInput = z.output<typeof configSchema>;

/** What the sections resolve to; must fit the spec's PyramidConfig (checked at compile time below). */
export type ResolvedSections = { [Key in keyof ConfigSections]: ReturnType<ConfigSections[Key]['resolve']> };
type Fits<T extends PyramidConfig> = T;
export type ResolvedConfigCheck = Fits<ResolvedSections>;
