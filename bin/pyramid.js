#!/usr/bin/env node
// The `pyramid` command. Pyramid runs TypeScript through Node's type stripping, which needs Node 24;
// `npm install` brings it (the `node` package), and npx/npm scripts put it first on PATH.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `pyramid needs Node.js 24 or newer; this is ${process.version}.\n` +
      'Run it through npm so the pinned runtime is used: `npx pyramid ...` in the checkout (after `npm install`).\n',
  );
  process.exit(1);
}
// Node's on-disk compile cache (V8 code of every module, the TypeScript ones after type stripping): a
// command starts on about half the CPU from the second run on. Node checks each entry against the
// module's source; NODE_DISABLE_COMPILE_CACHE=1 turns it off, NODE_COMPILE_CACHE moves it, and an
// unwritable directory only means no cache.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
await import('../src/cli/main.ts');
