import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyProgress } from '../../src/cli/copy-progress.ts';

const stream = (isTTY: boolean) => {
  const written: string[] = [];
  return {
    written,
    isTTY,
    write: (text: string) => written.push(text) > 0,
  } as unknown as NodeJS.WritableStream & {
    written: string[];
  };
};

test('on a terminal the copy progress is one bar redrawn in place, ended by a newline', () => {
  const out = stream(true);
  const progress = copyProgress(out);
  progress.update({ table: 'requests', tableRows: 0, tableTotal: 100, rows: 0, total: 200 });
  progress.update({ table: 'requests', tableRows: 100, tableTotal: 100, rows: 100, total: 200 });
  progress.done();
  assert.equal(out.written.length, 3);
  assert.match(out.written[1], /^\r\[#{15}-{15}\] {2}50% 100\/200 rows · requests 100\/100/);
  assert.equal(out.written[2], '\n');
});

test('elsewhere it is a line per table started and finished', () => {
  const out = stream(false);
  const progress = copyProgress(out);
  progress.update({ table: 'requests', tableRows: 0, tableTotal: 100, rows: 0, total: 100 });
  progress.update({ table: 'requests', tableRows: 100, tableTotal: 100, rows: 100, total: 100 });
  progress.done();
  assert.deepEqual(out.written, [
    'copying requests: 100 rows\n',
    'copied requests: 100 rows (100/100 in all)\n',
  ]);
});
