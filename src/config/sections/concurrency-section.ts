import { z } from 'zod';
import type { ConcurrencyConfig } from '../../contracts/pyramid-config.ts';
import type { ConfigSection } from '../config-section.ts';
import { positiveInteger } from '../names.ts';

const schema = z
  .strictObject({
    agents: positiveInteger.default(2).describe('Agent runs at once (default 2); more wait in a queue.'),
    subagents: positiveInteger
      .default(4)
      .describe('Subagent tasks at once across all runs (default 4); they never take agent slots.'),
  })
  .default({ agents: 2, subagents: 4 })
  .describe('How many scheduled agent runs and subagent tasks run at once.');

export const concurrencySection: ConfigSection<typeof schema, ConcurrencyConfig> = {
  schema,
  resolve: (concurrency) => ({ agents: concurrency.agents, subagents: concurrency.subagents }),
};
