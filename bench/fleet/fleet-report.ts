// What the fleet bench measured, worked out from pyramid.db's own tables (requests, attempts, runs, jobs)
// and the bench's knowledge of the fleet, independently of Pyramid's usage report (which it is checked against).
import type { DatabaseSync } from 'node:sqlite';
import type { FleetJob } from './fleet-config.ts';
import type { ProviderLog } from './fleet-fakes.ts';
import { type FleetModel, fleetModels, priceOn } from './fleet-models.ts';
import type { FleetAgent } from './seed-fleet.ts';

/** An injected provider failure, in ms since the epoch. */
export type Outage = { provider: string; kind: string; fromMs: number; untilMs: number };

type RequestRow = {
  request_id: string;
  caller_tag: string | null;
  started_at: number;
  outcome: string;
  tier: number | null;
  cost_usd: number;
};
type AttemptRow = {
  request_id: string;
  seq: number;
  model: string;
  tier: number;
  outcome: string;
  started_at: number;
  latency_ms: number;
  input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  answered: number;
};

const bands: Record<number, [number, number]> = { 0: [60, 70], 1: [15, 20], 2: [10, 15], 3: [4, 6] };
const round = (value: number, digits = 4) => Number(value.toFixed(digits));
const pct = (part: number, whole: number) => (whole > 0 ? round((part / whole) * 100, 1) : 0);
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const tierModel = (tier: number): FleetModel => fleetModels[tier];

export function fleetReport(options: {
  db: DatabaseSync;
  fleet: FleetAgent[];
  jobs: FleetJob[];
  outages: Outage[];
  dayStartMs: number;
  stoppedAtMs: number;
  providerLog: Record<string, ProviderLog>;
}) {
  const { db, fleet, jobs, outages, dayStartMs, stoppedAtMs } = options;
  const agents = new Map(fleet.map((agent) => [agent.id, agent]));
  const requests = db
    .prepare(
      'SELECT request_id, caller_tag, started_at, outcome, tier, cost_usd FROM requests ORDER BY started_at',
    )
    .all() as RequestRow[];
  const attemptRows = db.prepare('SELECT * FROM attempts ORDER BY request_id, seq').all() as AttemptRow[];
  const attemptsOf = new Map<string, AttemptRow[]>();
  for (const row of attemptRows)
    attemptsOf.set(row.request_id, [...(attemptsOf.get(row.request_id) ?? []), row]);

  // Tier shares (the answering tier) against the seed's bands, and cost by the tier each attempt ran on.
  const answeredAt = [0, 0, 0, 0];
  const costAt = [0, 0, 0, 0];
  let failed = 0;
  for (const request of requests) {
    if (request.outcome === 'ok' && request.tier !== null) answeredAt[request.tier]++;
    else failed++;
  }
  for (const attempt of attemptRows) costAt[attempt.tier] += attempt.cost_usd;
  const totalCost = costAt.reduce((a, b) => a + b, 0);
  const tiers = answeredAt.map((answered, tier) => ({
    tier,
    model: tierModel(tier).name,
    requests: answered,
    sharePct: pct(answered, requests.length),
    bandPct: bands[tier],
    inBand:
      pct(answered, requests.length) >= bands[tier][0] && pct(answered, requests.length) <= bands[tier][1],
    costUsd: round(totalCost > 0 ? costAt[tier] : 0),
    costSharePct: pct(costAt[tier], totalCost),
  }));

  // Baselines, worked out here from tokens and list prices: the answering attempt's tokens re-priced.
  const baselines = { withoutTier0: 0, allOnTopTier: 0, cheapestCloudPerTask: 0 };
  // Requests answered above the tier they were headed for because models there failed (or were skipped).
  const climbs: Array<{
    requestId: string;
    agent: string;
    from: number;
    to: number;
    startedAt: number;
    costUsd: number;
    plannedUsd: number;
  }> = [];
  for (const request of requests) {
    const attempts = attemptsOf.get(request.request_id) ?? [];
    const answer = attempts.find((attempt) => attempt.answered === 1);
    if (!answer) {
      for (const key of Object.keys(baselines) as (keyof typeof baselines)[])
        baselines[key] += request.cost_usd;
      continue;
    }
    const input = answer.input_tokens;
    const output = answer.output_tokens + answer.reasoning_tokens;
    const agent = agents.get(request.caller_tag ?? '');
    const minTier = agent?.tier ?? 0;
    baselines.withoutTier0 += priceOn(tierModel(Math.max(answer.tier, 1)), input, output);
    baselines.allOnTopTier += priceOn(tierModel(3), input, output);
    baselines.cheapestCloudPerTask += Math.min(
      ...fleetModels
        .filter((model) => model.tier >= Math.max(minTier, 1))
        .map((model) => priceOn(model, input, output)),
    );
    const escalatedTo = Math.max(
      minTier,
      ...attempts.filter((attempt) => attempt.outcome === 'inadequate').map((attempt) => attempt.tier + 1),
    );
    if (answer.tier > escalatedTo) {
      const below = attempts
        .filter((attempt) => attempt.tier < escalatedTo)
        .reduce((sum, attempt) => sum + attempt.cost_usd, 0);
      climbs.push({
        requestId: request.request_id,
        agent: request.caller_tag ?? '',
        from: escalatedTo,
        to: answer.tier,
        startedAt: request.started_at,
        costUsd: request.cost_usd,
        plannedUsd: below + priceOn(tierModel(escalatedTo), input, output),
      });
    }
  }
  const savings = Object.fromEntries(
    Object.entries(baselines).map(([name, baseline]) => [
      name,
      {
        baselineUsd: round(baseline),
        savedUsd: round(baseline - totalCost),
        savedPct: pct(baseline - totalCost, baseline),
      },
    ]),
  );
  const climbGroups = new Map<
    string,
    { from: number; to: number; when: string; requests: number; costUsd: number; extraUsd: number }
  >();
  for (const climb of climbs) {
    const outage = outages.find((o) => o.provider === tierModel(climb.from).provider);
    const when = !outage
      ? 'no outage there'
      : climb.startedAt < outage.fromMs
        ? 'in flight when it began'
        : climb.startedAt < outage.untilMs
          ? 'during the outage'
          : 'after the outage';
    const key = `${climb.from}-${climb.to}-${when}`;
    const group = climbGroups.get(key) ?? {
      from: climb.from,
      to: climb.to,
      when,
      requests: 0,
      costUsd: 0,
      extraUsd: 0,
    };
    group.requests++;
    group.costUsd += climb.costUsd;
    group.extraUsd += climb.costUsd - climb.plannedUsd;
    climbGroups.set(key, group);
  }
  const climbCost = climbs.reduce((sum, climb) => sum + climb.costUsd, 0);

  // Providers' own logs against the ledger: tokens answered, priced at list prices.
  const providerCost = fleetModels.reduce(
    (sum, model) =>
      sum + priceOn(model, options.providerLog[model.name].input, options.providerLog[model.name].output),
    0,
  );

  // Recovery: the first answer by a model after its outage ended.
  const recovery = outages.map((outage) => {
    const model = fleetModels.find((m) => m.provider === outage.provider)!;
    const first = attemptRows
      .filter((a) => a.model === model.name && a.outcome === 'ok' && a.started_at >= outage.untilMs)
      .reduce((min, a) => Math.min(min, a.started_at), Number.POSITIVE_INFINITY);
    return {
      provider: outage.provider,
      kind: outage.kind,
      fromS: round((outage.fromMs - dayStartMs) / 1000, 1),
      forS: round((outage.untilMs - outage.fromMs) / 1000, 1),
      firstAnswerAfterEndS: Number.isFinite(first) ? round((first - outage.untilMs) / 1000, 1) : null,
    };
  });

  const latency = Object.fromEntries(
    fleetModels.map((model) => {
      const values = attemptRows
        .filter((a) => a.model === model.name && a.outcome === 'ok')
        .map((a) => a.latency_ms);
      return [
        model.name,
        {
          p50Ms: Math.round(percentile(values, 50)),
          p99Ms: Math.round(percentile(values, 99)),
          n: values.length,
        },
      ];
    }),
  );

  return {
    requests: requests.length,
    failed,
    attempts: attemptRows.length,
    tiers,
    costUsd: round(totalCost),
    providerLoggedCostUsd: round(providerCost),
    savings,
    climbedOnProviderFailure: {
      requests: climbs.length,
      costUsd: round(climbCost),
      costSharePct: pct(climbCost, totalCost),
      extraUsd: round(climbs.reduce((sum, climb) => sum + climb.costUsd - climb.plannedUsd, 0)),
      groups: [...climbGroups.values()]
        .sort((a, b) => a.from - b.from || a.to - b.to || a.when.localeCompare(b.when))
        .map((group) => ({ ...group, costUsd: round(group.costUsd), extraUsd: round(group.extraUsd) })),
    },
    outages: recovery,
    latency,
    slots: slotCounts(db, jobs, stoppedAtMs),
  };
}

/**
 * Slots the schedules imply (every multiple of a job's interval from its creation until 2 s before the
 * stop) against the runs table: run (a run ended ok), skipped for overlap, still queued at the stop (they
 * run at the next start), lost (no run, or a run that ended in error, timeout or interrupted), and
 * duplicated (more than one run row for one slot).
 */
function slotCounts(db: DatabaseSync, jobs: FleetJob[], stoppedAtMs: number) {
  const created = new Map(
    (db.prepare('SELECT id, created_at FROM jobs').all() as { id: string; created_at: number }[]).map(
      (row) => [row.id, row.created_at],
    ),
  );
  const runs = db.prepare('SELECT job_id, slot_time, status FROM runs WHERE slot_time IS NOT NULL').all() as {
    job_id: string;
    slot_time: number;
    status: string;
  }[];
  const unslotted = (
    db.prepare('SELECT COUNT(*) AS n FROM runs WHERE slot_time IS NULL').get() as { n: number }
  ).n;
  const bySlot = new Map<string, string[]>();
  for (const run of runs) {
    const key = `${run.job_id}@${run.slot_time}`;
    bySlot.set(key, [...(bySlot.get(key) ?? []), run.status]);
  }
  const lastExpected = stoppedAtMs - 2000;
  let expected = 0;
  let ran = 0;
  let skipped = 0;
  let queuedAtStop = 0;
  const lost: string[] = [];
  for (const job of jobs) {
    const since = created.get(job.id);
    if (since === undefined) continue;
    for (let slot = Math.ceil(since / job.everyMs) * job.everyMs; slot <= lastExpected; slot += job.everyMs) {
      expected++;
      const statuses = bySlot.get(`${job.id}@${slot}`) ?? [];
      if (statuses.includes('ok')) ran++;
      else if (statuses.includes('skipped')) skipped++;
      else if (statuses.includes('queued')) queuedAtStop++;
      else lost.push(`${job.id}@${new Date(slot).toISOString()}:${statuses.join('+') || 'no run'}`);
    }
  }
  const duplicated = [...bySlot.values()].filter((statuses) => statuses.length > 1).length;
  return {
    expected,
    ran,
    skipped,
    queuedAtStop,
    lost: lost.length,
    lostExamples: lost.slice(0, 5),
    duplicated,
    runsWithoutSlot: unslotted,
  };
}
