import type { Command } from 'commander';
import { PyramidError } from '../../contracts/errors/pyramid-error.ts';
import type { LedgerGroupBy } from '../../contracts/ledger-store.ts';
import { formatUsd, parseSince, type UsageRow } from '../../ledger/index.ts';
import type { CliIo, GlobalOptions } from '../cli-io.ts';
import { createPlatform } from '../create-platform.ts';
import { formatTable } from '../format-table.ts';

const groupings: LedgerGroupBy[] = ['model', 'tier', 'task', 'agent', 'day'];

function row(usage: UsageRow, key: string): string[] {
  return [
    key,
    String(usage.requests),
    `${(usage.share * 100).toFixed(1)}%`,
    String(usage.attempts),
    String(usage.tokens.input),
    String(usage.tokens.output + usage.tokens.reasoning),
    formatUsd(usage.costUsd),
    formatUsd(usage.cloudOnlyCostUsd),
    formatUsd(usage.savingsUsd),
    `${usage.savingsPct.toFixed(1)}%`,
  ];
}

/** `--since` parsed; a value it cannot read is bad usage (exit 64), not a failed request. */
function sinceOption(text: string, now: number): number {
  let sinceMs: number;
  try {
    sinceMs = parseSince(text, now);
  } catch (error) {
    if (!(error instanceof PyramidError)) throw error;
    throw new PyramidError('usage', `--since: ${error.message}`, { cause: error });
  }
  // A window so long it starts before the earliest date JavaScript has (100 million days back).
  if (Number.isNaN(new Date(sinceMs).getTime())) {
    throw new PyramidError('usage', `--since ${text} reaches back before any date; use a shorter window`);
  }
  return sinceMs;
}

/** `pyramid usage`: requests, tier shares, tokens, cost and savings against cloud-only. */
export function registerUsageCommand(program: Command, io: CliIo): void {
  program
    .command('usage')
    .description('requests, share per tier, tokens, cost, cloud-only cost and savings from the ledger')
    .option('--since <when>', 'window start: 30m, 24h, 7d, today, or an ISO date', '24h')
    .option('--by <key>', `group by ${groupings.join(', ')}`, 'tier')
    .option('--json', 'print the report as JSON')
    .action(async (options: { since: string; by: string; json?: boolean }, command: Command) => {
      if (!groupings.includes(options.by as LedgerGroupBy)) {
        throw new PyramidError('usage', `--by takes one of ${groupings.join(', ')}, not "${options.by}"`);
      }
      const now = (io.now ?? Date.now)();
      const sinceMs = sinceOption(options.since, now);
      const platform = await createPlatform(io, command.optsWithGlobals<GlobalOptions>());
      try {
        const report = await platform.ledger.usage({ sinceMs, by: options.by as LedgerGroupBy });
        if (options.json) {
          io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          return;
        }
        const header = [
          options.by,
          'requests',
          'share',
          'attempts',
          'tokens in',
          'tokens out',
          'cost',
          'cloud-only',
          'savings',
          'saved',
        ];
        const rows = report.rows.map((usage) => row(usage, usage.key === null ? '(none)' : usage.key));
        rows.push(row(report.totals, 'total'));
        io.stdout.write(`since ${new Date(sinceMs).toISOString()}\n${formatTable(header, rows)}\n`);
      } finally {
        await platform.close();
      }
    });
}
