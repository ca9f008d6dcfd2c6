import type { Command } from 'commander';
import { PyramidError } from '../../contracts/errors/pyramid-error.ts';
import type { LedgerGroupBy } from '../../contracts/ledger-store.ts';
import {
  formatUsd,
  parseSince,
  type UsageBaseline,
  type UsageReport,
  type UsageRow,
} from '../../ledger/index.ts';
import type { CliIo, GlobalOptions } from '../cli-io.ts';
import { createPlatform } from '../create-platform.ts';
import { formatTable } from '../format-table.ts';

const groupings: LedgerGroupBy[] = ['model', 'tier', 'task', 'agent', 'day'];

const percent = (fraction: number) => `${(fraction * 100).toFixed(1)}%`;
/** A baseline's saving as a percentage, `-` when the rows in it were recorded before it was kept. */
const saved = (baseline: UsageBaseline) =>
  baseline.savingsPct === null ? '-' : `${baseline.savingsPct.toFixed(1)}%`;

function row(usage: UsageRow, key: string): string[] {
  return [
    key,
    String(usage.requests),
    percent(usage.share),
    String(usage.attempts),
    String(usage.tokens.input),
    String(usage.tokens.output + usage.tokens.reasoning),
    formatUsd(usage.costUsd),
    percent(usage.costShare),
    String(usage.climbed.requests),
    formatUsd(usage.climbed.costUsd),
    saved(usage.baselines.withoutTier0),
    saved(usage.baselines.allOnTopTier),
    saved(usage.baselines.cheapestCloud),
  ];
}

/** Below the table: each baseline named in full with its amounts, the climbs, and what is left out. */
function summary(report: UsageReport): string {
  const { totals } = report;
  const baselines: [string, UsageBaseline][] = [
    ["without tier 0 (tier-0 answers priced on tier 1's first model)", totals.baselines.withoutTier0],
    [`everything on the top tier (${report.topTierModel ?? 'none'})`, totals.baselines.allOnTopTier],
    ["everything on the cheapest cloud model each request's tier allows", totals.baselines.cheapestCloud],
  ];
  const lines = ['savings against each baseline (what the same answers would have cost):'];
  for (const [name, baseline] of baselines) {
    lines.push(
      baseline.costUsd === null || baseline.savingsUsd === null
        ? `  ${name}: not known (recorded before this baseline was kept)`
        : `  ${name}: ${formatUsd(baseline.costUsd)}, saved ${formatUsd(baseline.savingsUsd)} (${saved(baseline)})`,
    );
  }
  const { climbed } = totals;
  lines.push(
    climbed.requests === 0
      ? 'climbed because of provider failures: none'
      : `climbed because of provider failures: ${climbed.requests} requests, ${formatUsd(climbed.costUsd)} (${percent(
          totals.costUsd > 0 ? climbed.costUsd / totals.costUsd : 0,
        )} of the cost), ${formatUsd(climbed.extraCostUsd)} more than on the tiers they were headed for`,
  );
  if (report.requestsWithoutBaselines > 0) {
    lines.push(
      `note: ${report.requestsWithoutBaselines} of ${totals.requests} requests were recorded before the top-tier and cheapest-cloud baselines and climbs were kept; those figures cover the other ${totals.requests - report.requestsWithoutBaselines}`,
    );
  }
  return lines.join('\n');
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

/** `pyramid usage`: requests, tier shares, tokens, cost and its shares, climbs, and savings against each baseline. */
export function registerUsageCommand(program: Command, io: CliIo): void {
  program
    .command('usage')
    .description(
      'requests, share per tier, tokens, cost and its share, climbs on provider failures, and savings against each baseline',
    )
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
          'of cost',
          'climbed',
          'climb cost',
          'saved: no tier 0',
          'top tier',
          'cheapest cloud',
        ];
        const rows = report.rows.map((usage) => row(usage, usage.key === null ? '(none)' : usage.key));
        rows.push(row(report.totals, 'total'));
        io.stdout.write(
          `since ${new Date(sinceMs).toISOString()}\n${formatTable(header, rows)}\n\n${summary(report)}\n`,
        );
      } finally {
        await platform.close();
      }
    });
}
