import type { CopyProgress } from '../store/copy/copy-store.ts';

const barWidth = 30;

/**
 * Shows a store copy's progress on `stream`: a bar redrawn in place on a terminal; elsewhere (a log, a
 * pipe) a line per table when it starts and ends, and one per tenth of a large table.
 */
export function copyProgress(stream: NodeJS.WritableStream): {
  update(progress: CopyProgress): void;
  done(): void;
} {
  const tty = (stream as { isTTY?: boolean }).isTTY === true;
  let lastTable = '';
  let lastTenth = 0;
  let drawn = false;
  return {
    update(progress) {
      if (tty) {
        const share = progress.total === 0 ? 1 : progress.rows / progress.total;
        const filled = Math.round(share * barWidth);
        stream.write(
          `\r[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${Math.floor(share * 100)
            .toString()
            .padStart(
              3,
            )}% ${progress.rows}/${progress.total} rows · ${progress.table} ${progress.tableRows}/${progress.tableTotal}\u001b[K`,
        );
        drawn = true;
        return;
      }
      const tenth =
        progress.tableTotal === 0 ? 10 : Math.floor((progress.tableRows / progress.tableTotal) * 10);
      if (progress.table !== lastTable) {
        lastTable = progress.table;
        lastTenth = 0;
        stream.write(`copying ${progress.table}: ${progress.tableTotal} rows\n`);
      }
      if (progress.tableRows === progress.tableTotal && progress.tableRows > 0 && lastTenth < 10) {
        lastTenth = 10;
        stream.write(
          `copied ${progress.table}: ${progress.tableRows} rows (${progress.rows}/${progress.total} in all)\n`,
        );
      } else if (tenth > lastTenth && tenth < 10 && progress.tableTotal >= 10_000) {
        lastTenth = tenth;
        stream.write(`  ${progress.table}: ${progress.tableRows}/${progress.tableTotal}\n`);
      }
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}
