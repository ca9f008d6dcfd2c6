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
await import('../src/cli/main.ts');
