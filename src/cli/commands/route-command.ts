import type { Command } from 'commander';
import type { CliIo, GlobalOptions } from '../cli-io.ts';
import { createPlatform } from '../create-platform.ts';
import { formatTable } from '../format-table.ts';

/** `pyramid route explain <task>`: the deterministic plan, without calling any model. */
export function registerRouteCommand(program: Command, io: CliIo): void {
  const route = program.command('route').description('inspect routing decisions');
  route
    .command('explain')
    .description('show the plan for a task type: tiers and models in order, availability and breaker state')
    .argument('[task]', 'task type', 'default')
    .option('--json', 'print the plan as JSON')
    .action(async (task: string, options: { json?: boolean }, command: Command) => {
      const platform = await createPlatform(io, command.optsWithGlobals<GlobalOptions>());
      try {
        const explained = platform.router.explain({ task, messages: [] });
        // Nothing probes providers in this process: `available` means configured (a key, a base URL),
        // and whether the provider answers is unknown here (null, as in /api/health before a probe).
        const plan = {
          ...explained,
          candidates: explained.candidates.map((candidate) => ({ ...candidate, reachable: null })),
        };
        if (options.json) {
          io.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
          return;
        }
        const taskConfig = platform.config.tasks[plan.resolvedTask];
        io.stdout.write(
          `task ${plan.task}${plan.resolvedTask !== plan.task ? ` (unknown: using ${plan.resolvedTask})` : ''}: minimum tier ${taskConfig.tier}${plan.reasoning ? `, reasoning ${plan.reasoning}` : ''}\n\n`,
        );
        const rows = plan.candidates.map((candidate, index) => {
          const breaker = plan.breakers[candidate.model];
          const model = platform.config.models[candidate.model];
          return [
            String(index + 1),
            String(candidate.tier),
            candidate.model,
            `${candidate.provider} (${platform.config.providers[candidate.provider].api})`,
            candidate.available ? 'configured, reachability unknown' : `no: ${candidate.note}`,
            breaker.state,
            `$${model.cost.input}/$${model.cost.output}`,
          ];
        });
        io.stdout.write(
          `${formatTable(['#', 'tier', 'model', 'provider', 'available', 'breaker', 'per 1M in/out'], rows)}\n`,
        );
        for (const note of plan.notes) io.stdout.write(`note: ${note}\n`);
        io.stdout.write(
          "\nProviders are not probed here and breaker states are this process's own: a running gateway's reachability and live breakers are in pyramid status (GET /api/health).\n",
        );
      } finally {
        await platform.close();
      }
    });
}
