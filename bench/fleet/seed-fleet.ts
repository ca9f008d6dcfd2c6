// The seed's fleet: 24 agents (15 tier-0 kinds, 4 summarisers at tier 1, 3 researchers at tier 2, 2
// strategists at tier 3), with the runs each makes in a day and the tokens of a typical call.

/** One agent of the fleet and the shape of its calls. Tokens are the mean; each call varies by ±25%. */
export type FleetAgent = {
  id: string;
  task: 'classify' | 'remind' | 'template' | 'extract' | 'summarize' | 'research' | 'strategy';
  /** The task's minimum tier (as in the config's tasks). */
  tier: number;
  runsPerDay: number;
  input: number;
  output: number;
  /** Thinking tokens on a model that thinks for this task (0: thinking off). */
  reasoning: number;
  /** The share of tier-0 answers that come back empty after thinking (qwen3 out of budget): escalations, not failures. */
  emptyRate?: number;
};

/** The tasks and their minimum tiers, as written in the bench's config. */
export const fleetTasks: Record<FleetAgent['task'], { tier: number; reasoning?: string }> = {
  classify: { tier: 0, reasoning: 'off' },
  remind: { tier: 0, reasoning: 'off' },
  template: { tier: 0, reasoning: 'off' },
  extract: { tier: 0, reasoning: 'low' },
  summarize: { tier: 1 },
  research: { tier: 2 },
  strategy: { tier: 3 },
};

const agent = (
  id: string,
  task: FleetAgent['task'],
  runsPerDay: number,
  input: number,
  output: number,
  reasoning = 0,
  emptyRate = 0,
): FleetAgent => ({
  id,
  task,
  tier: fleetTasks[task].tier,
  runsPerDay,
  input,
  output,
  reasoning,
  ...(emptyRate > 0 && { emptyRate }),
});

/** 24 agents, about 1,380 calls a day. */
export const seedFleet: FleetAgent[] = [
  agent('ticket-triage', 'classify', 90, 600, 4),
  agent('email-classifier', 'classify', 90, 900, 6),
  agent('lead-router', 'classify', 60, 500, 8),
  agent('spam-filter', 'classify', 75, 400, 2),
  agent('sentiment-tagger', 'classify', 60, 350, 3),
  agent('language-detector', 'classify', 50, 250, 2),
  agent('reminder-writer', 'remind', 60, 300, 60),
  agent('calendar-nudger', 'remind', 50, 450, 80),
  agent('follow-up-reminder', 'remind', 50, 400, 70),
  agent('invoice-filler', 'template', 55, 700, 220),
  agent('reply-filler', 'template', 60, 800, 180),
  agent('report-formatter', 'template', 45, 1200, 350),
  agent('status-digest', 'template', 40, 1500, 250),
  agent('date-extractor', 'extract', 55, 500, 40, 250, 0.04),
  agent('contact-deduper', 'extract', 50, 900, 60, 300, 0.04),
  agent('inbox-summary', 'summarize', 60, 2500, 300, 450),
  agent('meeting-notes', 'summarize', 60, 3000, 350, 500),
  agent('news-digest', 'summarize', 60, 2000, 280, 400),
  agent('support-threads', 'summarize', 60, 2800, 320, 450),
  agent('market-research', 'research', 58, 3000, 550),
  agent('competitor-watch', 'research', 58, 2600, 500),
  agent('tech-scout', 'research', 58, 3200, 600),
  agent('quarterly-strategist', 'strategy', 34, 3500, 600),
  agent('pricing-strategist', 'strategy', 34, 3000, 550),
];
