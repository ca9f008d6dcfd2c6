import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../config/index.ts';
import { ConfigError, type ConfigIssue } from '../contracts/errors/config-error.ts';

/** The env file's name inside PYRAMID_HOME. */
export const envFileName = 'env';

/** Where the env file of a home is: `$PYRAMID_HOME/env`. */
export function envFilePath(home: string): string {
  return join(home, envFileName);
}

const namePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses an env file: one `NAME=value` a line (`export NAME=value` too), `#` comment lines and blank
 * lines ignored; the value is the rest of the line, trimmed, with one pair of surrounding quotes ('…'
 * or "…") removed; no escapes, no `$` expansion, no multi-line values. Errors name the line, never its value.
 */
export function parseEnvFile(text: string, file: string): Record<string, string> {
  const values: Record<string, string> = {};
  const issues: ConfigIssue[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const assignment = line.startsWith('export ') ? line.slice('export '.length).trimStart() : line;
    const equals = assignment.indexOf('=');
    const name = equals > 0 ? assignment.slice(0, equals).trim() : '';
    if (!namePattern.test(name)) {
      issues.push({
        path: 'syntax',
        line: index + 1,
        message: 'expected NAME=value (NAME: letters, digits, _)',
      });
      return;
    }
    if (name === 'PYRAMID_HOME') {
      issues.push({
        path: name,
        line: index + 1,
        message: 'PYRAMID_HOME cannot be set in the env file that lives in it: set it in the environment',
      });
      return;
    }
    let value = assignment.slice(equals + 1).trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
      value = value.slice(1, -1);
    }
    values[name] = value;
  });
  if (issues.length > 0) throw new ConfigError(issues, file, 'env file');
  return values;
}

/**
 * Reads `$PYRAMID_HOME/env` (absent: nothing) and returns `env` with its variables added; a variable
 * already in the environment wins. Refuses (ConfigError, exit 78) a file that its group or others can
 * read or write: it holds secrets.
 */
export function loadEnvFile(home: string, env: Env): Env {
  const file = envFilePath(home);
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (error) {
    // No file, or a PYRAMID_HOME that is not a folder (the command itself says so).
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return env;
    throw new ConfigError(
      [{ path: 'read', message: `cannot read it (${(error as NodeJS.ErrnoException).code})` }],
      file,
      'env file',
    );
  }
  if ((mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(3, '0');
    throw new ConfigError(
      [
        {
          path: 'mode',
          message: `its group or others can read it (mode ${octal}) and it holds secrets: run chmod 600 ${file}`,
        },
      ],
      file,
      'env file',
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      [{ path: 'read', message: `cannot read it (${(error as NodeJS.ErrnoException).code})` }],
      file,
      'env file',
    );
  }
  return { ...parseEnvFile(text, file), ...env };
}
