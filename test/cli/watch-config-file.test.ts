import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { watchConfigFile } from '../../src/cli/watch-config-file.ts';

test('a save right after the watch starts (before any read could finish) is a change, not the starting content', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pyramid-watch-unit-'));
  const file = join(dir, 'pyramid.yaml');
  writeFileSync(file, 'tiers: []\n');
  let resolveChanged: () => void = () => {};
  const changed = new Promise<void>((resolve) => {
    resolveChanged = resolve;
  });
  const watch = watchConfigFile({ file, onChange: () => resolveChanged(), debounceMs: 20 });
  try {
    // Same tick as the start: an asynchronous first read would see this content and call it the start.
    writeFileSync(file, 'tiers: [[a]]\n');
    const outcome = await Promise.race([
      changed.then(() => 'changed'),
      new Promise((resolve) => setTimeout(() => resolve('no change seen'), 20_000).unref()),
    ]);
    assert.equal(outcome, 'changed');
  } finally {
    watch.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
