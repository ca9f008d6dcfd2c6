import { readFileSync } from 'node:fs';

/** Pyramid's version, from its package.json (what `pyramid --version` prints). */
export function pyramidVersion(): string {
  const packageJson = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(packageJson) as { version: string }).version;
}
