import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PyramidError } from '../contracts/errors/pyramid-error.ts';

/**
 * The absolute path of the Node 24 binary the `node` package pinned in package.json installed
 * (node_modules/node/bin/node), resolved from Pyramid's package root. A unit names it, not `node`
 * on PATH, which may be an older system Node.
 */
export function pinnedNodePath(packageRoot: string): string {
  let packageJson: string;
  try {
    packageJson = createRequire(join(packageRoot, 'package.json')).resolve('node/package.json');
  } catch (error) {
    throw new PyramidError(
      'pinned_node_missing',
      `the pinned Node 24 (the "node" package) is not installed under ${packageRoot}: run npm install there`,
      { cause: error },
    );
  }
  const binary = join(dirname(packageJson), 'bin', 'node');
  if (!existsSync(binary)) {
    throw new PyramidError(
      'pinned_node_missing',
      `${binary} is missing (the "node" package did not finish installing): run npm install in ${packageRoot}`,
    );
  }
  return realpathSync(binary);
}

/** Pyramid's package root (where package.json and bin/pyramid.js are). */
export function pyramidPackageRoot(): string {
  return realpathSync(new URL('../../', import.meta.url));
}
