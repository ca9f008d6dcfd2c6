import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The environment that gives a child Node the on-disk compile cache (V8 code cache of every module,
 * the TypeScript ones after type stripping): a `pyramid` child then starts on about half the CPU.
 * Tests spawn hundreds of them, so this is where much of the suite's time goes on a loaded machine.
 * The cache only skips work (Node checks each entry against the module's source), so what a child
 * does and prints is the same with or without it; NODE_DISABLE_COMPILE_CACHE=1 switches it off.
 */
export function compileCacheEnv(): Record<string, string> {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return { NODE_DISABLE_COMPILE_CACHE: '1' };
  return {
    NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'pyramid-test-compile-cache'),
  };
}
