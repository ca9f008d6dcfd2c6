import type { Command } from 'commander';
import type { DeliveryRecord } from '../../contracts/delivery.ts';
import { deliveryView } from '../../delivery/deliveries-routes.ts';
import type { CliIo, GlobalOptions } from '../cli-io.ts';
import { createPlatform } from '../create-platform.ts';
import { exitCodes } from '../exit-codes.ts';
import { formatTable } from '../format-table.ts';
import { parseLimitOption } from '../parse-limit-option.ts';

function row(delivery: DeliveryRecord): string[] {
  const target = [delivery.channel, delivery.to, delivery.thread].filter(Boolean).join(':');
  return [
    delivery.id,
    new Date(delivery.createdAt).toISOString().replace('T', ' ').slice(0, 19),
    delivery.kind,
    delivery.runId ?? '-',
    target,
    delivery.state,
    `${delivery.chunksSent}/${delivery.chunkCount}`,
    String(delivery.attempts),
    delivery.lastError ?? delivery.note ?? '',
  ];
}

/** `pyramid deliveries [--failed] [--json]` and `pyramid deliveries retry <id>`. */
export function registerDeliveriesCommand(
  program: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
): void {
  const deliveries = program
    .command('deliveries')
    .description(
      'the delivery outbox: what was delivered (every chunk accepted), what is pending, what failed and why',
    )
    .option('--failed', 'only failed deliveries')
    .option('--run <id>', 'only the deliveries of one run')
    .option('--limit <n>', 'how many, newest first', '50')
    .option('--json', 'print JSON')
    .action(
      async (
        options: { failed?: boolean; run?: string; limit: string; json?: boolean },
        command: Command,
      ) => {
        const limit = parseLimitOption(options.limit);
        const platform = await createPlatform(io, command.optsWithGlobals<GlobalOptions>());
        try {
          const list = await platform.outbox.list({
            ...(options.failed ? { state: 'failed' } : {}),
            ...(options.run ? { runId: options.run } : {}),
            limit,
          });
          if (options.json) {
            io.stdout.write(`${JSON.stringify(list.map(deliveryView), null, 2)}\n`);
            return;
          }
          if (list.length === 0) {
            io.stdout.write(options.failed ? 'no failed deliveries\n' : 'no deliveries\n');
            return;
          }
          const header = [
            'id',
            'created (UTC)',
            'kind',
            'run',
            'target',
            'state',
            'chunks',
            'failed tries',
            'reason or note',
          ];
          io.stdout.write(`${formatTable(header, list.map(row))}\n`);
        } finally {
          await platform.close();
        }
      },
    );

  deliveries
    .command('retry <id>')
    .description('send a failed delivery again, from its first unaccepted chunk')
    .action(async (id: string, _options: unknown, command: Command) => {
      const platform = await createPlatform(io, command.optsWithGlobals<GlobalOptions>());
      try {
        await platform.outbox.retry(id);
        await platform.outbox.drain();
        const delivery = await platform.outbox.get(id);
        const state = delivery?.state ?? 'unknown';
        const detail =
          state === 'failed'
            ? `: ${delivery?.lastError ?? ''}`
            : state === 'pending'
              ? ` (next attempt ${new Date(delivery?.nextAttemptAt ?? 0).toISOString()}; pyramid start keeps retrying)`
              : '';
        io.stdout.write(`${id}: ${state}${detail}\n`);
        if (state === 'failed') setExitCode(exitCodes.failure);
      } finally {
        await platform.close();
      }
    });
}
