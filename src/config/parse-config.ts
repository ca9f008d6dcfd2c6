import { Composer, type Document, LineCounter, Parser, type YAMLError, YAMLParseError } from 'yaml';
import { ConfigError, type ConfigIssue } from '../contracts/errors/config-error.ts';
import type { PyramidConfig } from '../contracts/pyramid-config.ts';
import { configNames } from './config-names.ts';
import { configSchema } from './config-schema.ts';
import type { ConfigSection, Env, ResolveContext } from './config-section.ts';
import { configSections } from './config-sections.ts';
import { flattenZodIssues, type PathedIssue } from './flatten-zod-issues.ts';
import { asMapping } from './raw-value.ts';
import { yamlLineAt } from './yaml-line-finder.ts';
import { yamlNestingOffset } from './yaml-nesting-offset.ts';
import { zodErrorMessage } from './zod-error-message.ts';

export type LoadedConfig = { config: PyramidConfig; warnings: ConfigIssue[] };

export type ParseConfigOptions = {
  /** Where `env:NAME` references are read from (pass `process.env` at the edge). */
  env: Env;
  /** Named in errors. */
  file?: string;
};

// Heterogeneous sections seen through one lens; each section's own types are checked where it is defined.
type AnySection = ConfigSection<typeof configSchema, unknown>;
const sectionEntries = Object.entries(configSections) as unknown as [string, AnySection][];

/** Validates and resolves pyramid.yaml text. Throws ConfigError listing every problem; returns warnings. */
export function parseConfig(text: string, options: ParseConfigOptions): LoadedConfig {
  const { env, file } = options;
  const lineCounter = new LineCounter();
  const document = parseYaml(text, lineCounter, file);
  if (document.errors.length > 0)
    throw new ConfigError(
      document.errors.map((error) => syntaxIssue(error, lineCounter)),
      file,
    );

  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: yamlLimits.aliasExpansions });
  } catch (error) {
    // yaml's guard against alias bombs ("billion laughs"), or an alias used before its anchor.
    if (!(error instanceof ReferenceError)) throw error;
    const message = /excessive alias count/i.test(error.message)
      ? `too many YAML aliases: their expansion is refused past ${yamlLimits.aliasExpansions} (a file whose anchors refer to anchors multiplies its size); write the values out instead`
      : `YAML alias error: ${error.message}`;
    throw new ConfigError([{ path: '', message }], file);
  }
  const mapping = asMapping(raw);
  if (!mapping) {
    const message =
      raw === null || raw === undefined
        ? 'the config file is empty: run `pyramid init` to write a starter config'
        : 'expected a mapping with the sections providers, models, tiers and tasks';
    throw new ConfigError([{ path: '', message, line: 1 }], file);
  }
  // A section left with only comments under it (`tasks:`) reads as null: treat it as absent.
  const input = Object.fromEntries(Object.entries(mapping).filter(([, value]) => value !== null));

  const located = (issues: PathedIssue[]): ConfigIssue[] =>
    issues
      .map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
        line: yamlLineAt(document, lineCounter, issue.path),
      }))
      .sort(
        (left, right) => (left.line ?? Number.MAX_SAFE_INTEGER) - (right.line ?? Number.MAX_SAFE_INTEGER),
      );

  const result = configSchema.safeParse(input, { error: zodErrorMessage });
  const names = configNames(input);
  const issues: PathedIssue[] = result.success ? [] : flattenZodIssues(result.error.issues, configSchema);
  for (const [key, section] of sectionEntries) {
    for (const issue of section.check?.(input[key], names) ?? []) {
      issues.push({ path: [key, ...issue.path], message: issue.message });
    }
  }
  if (issues.length > 0 || !result.success) throw new ConfigError(located(issues), file);

  const context: ResolveContext = { env, names };
  const parsed = result.data as Record<string, unknown>;
  const warnings: PathedIssue[] = [];
  const config: Record<string, unknown> = {};
  for (const [key, section] of sectionEntries) {
    const value = parsed[key] as never;
    for (const issue of section.warn?.(value) ?? []) {
      warnings.push({ path: [key, ...issue.path], message: issue.message });
    }
    const resolved = section.resolve(value, context);
    if (resolved !== undefined) config[key] = resolved;
  }
  return { config: config as PyramidConfig, warnings: located(warnings) };
}

/** Bounds on what a config file may make the YAML reader do. */
export const yamlLimits = {
  /** Nested mappings and lists; the deepest section of a real config is about 6. */
  depth: 64,
  /** yaml's `maxAliasCount`: alias uses weighted by the aliases inside what they refer to. */
  aliasExpansions: 1000,
} as const;

/** parseDocument, with the nesting measured on the parsed tokens before the (recursive) composer runs. */
function parseYaml(text: string, lineCounter: LineCounter, file: string | undefined): Document.Parsed {
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  const tooDeep = yamlNestingOffset(tokens, yamlLimits.depth);
  if (tooDeep !== undefined) {
    const message = `the YAML is nested more than ${yamlLimits.depth} levels deep (a config needs about 6): is it the right file?`;
    throw new ConfigError([{ path: '', message, line: lineCounter.linePos(tooDeep).line }], file);
  }
  const composer = new Composer({ uniqueKeys: true });
  let document: Document.Parsed | undefined;
  for (const composed of composer.compose(tokens, true, text.length)) {
    if (document) {
      const message = 'the file holds more than one YAML document (a second `---`): keep one';
      document.errors.push(
        new YAMLParseError([composed.range[0], composed.range[1]], 'MULTIPLE_DOCS', message),
      );
      break;
    }
    document = composed;
  }
  return document!;
}

function syntaxIssue(error: YAMLError, lineCounter: LineCounter): ConfigIssue {
  const position = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
  const firstLine = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  const column = position ? ` (column ${position.col})` : '';
  return { path: '', message: `YAML syntax error: ${firstLine}${column}`, line: position?.line };
}
