import type { Command } from 'commander';
import type { PruneCounts, PruneCutoffs } from '../../contracts/history-pruner.ts';
import type { CliIo, GlobalOptions } from '../cli-io.ts';
import { createPlatform } from '../create-platform.ts';
import { formatTable } from '../format-table.ts';

const kinds: { label: string; cutoff: keyof PruneCutoffs; counted: (keyof PruneCounts)[] }[] = [
  {
    label: 'transcripts (sessions / messages)',
    cutoff: 'transcriptsBefore',
    counted: ['sessions', 'sessionMessages'],
  },
  { label: 'runs', cutoff: 'runsBefore', counted: ['runs'] },
  { label: 'deliveries', cutoff: 'deliveriesBefore', counted: ['deliveries'] },
  { label: 'ledger requests', cutoff: 'ledgerBefore', counted: ['ledgerRequests'] },
  { label: 'stored responses', cutoff: 'responsesBefore', counted: ['responses'] },
  { label: 'spend-cap rows (PostgreSQL)', cutoff: 'spendBefore', counted: ['spendRows'] },
];

/** `pyramid prune [--dry-run] [--json]`: removes finished history past `retention:` now (pyramid start does it hourly). */
export function registerPruneCommand(program: Command, io: CliIo): void {
  program
    .command('prune')
    .description(
      'remove finished history past retention: (transcripts, runs, deliveries, ledger, stored responses) now',
    )
    .option('--dry-run', 'only count what would be removed')
    .option('--json', 'print { dryRun, cutoffs, counts } as JSON')
    .action(async (options: { dryRun?: boolean; json?: boolean }, command: Command) => {
      const platform = await createPlatform(io, command.optsWithGlobals<GlobalOptions>());
      try {
        const dryRun = options.dryRun === true;
        const { cutoffs, counts } = await platform.pruneHistory({ dryRun });
        if (options.json) {
          const at = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
          io.stdout.write(
            `${JSON.stringify({ dryRun, cutoffs: Object.fromEntries(kinds.map((kind) => [kind.cutoff, at(cutoffs[kind.cutoff])])), counts }, null, 2)}\n`,
          );
          return;
        }
        const rows = kinds.map((kind) => {
          const before = cutoffs[kind.cutoff];
          return [
            kind.label,
            before === undefined ? 'kept forever' : `before ${new Date(before).toISOString().slice(0, 16)}Z`,
            before === undefined ? '-' : kind.counted.map((key) => counts[key]).join(' / '),
          ];
        });
        io.stdout.write(
          `${formatTable(['history', 'retention', dryRun ? 'would remove' : 'removed'], rows)}\n`,
        );
      } finally {
        await platform.close();
      }
    });
}
