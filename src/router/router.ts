import { calculateCost } from '../contracts/calculate-cost.ts';
import type { ChatRequest } from '../contracts/chat-request.ts';
import type { ChatResult, ChatStreamEvent } from '../contracts/chat-result.ts';
import {
  type EmbeddingAdapter,
  type EmbeddingRequest,
  type EmbeddingResult,
  embeddingsTask,
} from '../contracts/embedding.ts';
import { AllCandidatesFailedError } from '../contracts/errors/all-candidates-failed-error.ts';
import { BudgetExceededError } from '../contracts/errors/budget-exceeded-error.ts';
import { InternalError } from '../contracts/errors/internal-error.ts';
import { PyramidError } from '../contracts/errors/pyramid-error.ts';
import { UnknownModelError } from '../contracts/errors/unknown-model-error.ts';
import { UnsupportedParameterError } from '../contracts/errors/unsupported-parameter-error.ts';
import type { ToolCall } from '../contracts/message.ts';
import type { FinishReason, ModelAdapter, ModelCall } from '../contracts/model-call.ts';
import type { PyramidConfig } from '../contracts/pyramid-config.ts';
import type { RequestLedger } from '../contracts/request-ledger.ts';
import type { SpendReservationStore } from '../contracts/spend-reservation-store.ts';
import type { Attempt, PlanEntry, Trace } from '../contracts/trace.ts';
import { addUsage, type Usage, zeroUsage } from '../contracts/usage.ts';
import { BreakerBoard } from './breaker-board.ts';
import { buildPlan, type Plan } from './build-plan.ts';
import { checkAnswer } from './check-answer.ts';
import type { BreakerPermit, BreakerSnapshot } from './circuit-breaker.ts';
import { describeError } from './describe-error.ts';
import { effectiveMaxTokens } from './effective-max-tokens.ts';
import { embeddingWorstCaseCost } from './embedding-worst-case-cost.ts';
import { createInProcessSpendReservations } from './in-process-spend-reservations.ts';
import { climbRefusal, type ResolvedFailover, resolveFailover } from './resolve-failover.ts';
import { type Reservation, type SpendCaller, SpendGuard } from './spend-guard.ts';
import { worstCaseCost } from './worst-case-cost.ts';

export type RouterOptions = {
  config: PyramidConfig;
  /** The adapter for a configured model name; built once by the wiring, never by the router. */
  adapterFor: (model: string) => ModelAdapter;
  /** The embedding adapter for a model of the `embeddings:` list; without it, embed() refuses. */
  embeddingAdapterFor?: (model: string) => EmbeddingAdapter;
  ledger: RequestLedger;
  /** Shared with the health probes; a fresh board when omitted. */
  breakers?: BreakerBoard;
  /**
   * The spend caps' guard, when the wiring keeps one across routers (a reload); else one from
   * `config.budgets` (and the agents' `spendCap`s, which hold with or without budgets).
   */
  spendGuard?: SpendGuard;
  /**
   * Where spend-cap reservations live when several processes share the caps (a PostgreSQL store), and
   * how long past its call's time limit a dead process's hold still counts. In this process's memory,
   * over the ledger's spent money, when omitted.
   */
  spend?: { reservations: SpendReservationStore; leaseMs: number };
  now?: () => number;
  /** For failover waits (with `now`, so tests control both); the global timers when omitted. */
  timers?: RouterTimers;
  newId?: () => string;
};

export type RouterTimers = {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

const systemTimers: RouterTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A plan as `pyramid route explain` shows it: each candidate with its breaker. */
export type PlanExplanation = Plan & { breakers: Record<string, BreakerSnapshot> };

type Answer = {
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
};

/** The outcome of one attempt, as the routing loop sees it. */
type AttemptEnd =
  | { kind: 'answer'; answer: Answer; attempt: Attempt }
  | { kind: 'failed'; attempt: Attempt }
  /** A stream failed after visible text went out: nothing can be taken back, the request ends. */
  | { kind: 'broken'; attempt: Attempt; error: PyramidError }
  /** Pyramid itself failed (not the provider): the request ends with this error, no breaker counts it. */
  | { kind: 'internal'; attempt: Attempt; error: InternalError };

/** A model of the request's current tier failed (or was skipped, its breaker open): one to wait for. */
type Setback = { at: number; reason: string; retryAfterMs?: number };

type RouteState = {
  request: ChatRequest;
  plan: Plan;
  trace: Trace;
  streaming: boolean;
  /** Once a stream's first visible token went out, the answer belongs to that attempt. */
  committed: boolean;
  signal: AbortSignal;
  /** Whether any call went out; when none did because of spend caps, the budget error is the answer. */
  tried: boolean;
  budgetError?: BudgetExceededError;
  failover: ResolvedFailover;
  /**
   * The tier the request is at: its start tier, raised by escalation (an inadequate answer). A
   * candidate above it is a climb caused by provider failures, which the failover policy caps.
   */
  floorTier: number;
  /** Time spent waiting so far, against `failover.maxWaitMs`. */
  waitedMs: number;
  setbacks: Map<string, Setback>;
  /** Parameters each attempted model left out, by model name (only models that dropped some). */
  dropped: Map<string, string[]>;
  /** Under strict parameters: the candidates skipped because they cannot express a parameter. */
  parameterSkips?: { models: string[]; parameters: Set<string> };
};

type CandidateEnd =
  | 'next'
  | { kind: 'escalate'; to: number }
  | Extract<AttemptEnd, { kind: 'answer' | 'broken' | 'internal' }>;

/**
 * The pyramid. Every request enters once; the router alone decides which model answers: the plan,
 * failover on provider failures, escalation on inadequate answers, breakers, the token-budget guard,
 * spend caps, and one ledger row per attempt, committed before the caller sees the result.
 */
export class Router {
  readonly config: PyramidConfig;
  readonly breakers: BreakerBoard;
  readonly #adapterFor: (model: string) => ModelAdapter;
  readonly #embeddingAdapterFor?: (model: string) => EmbeddingAdapter;
  readonly #ledger: RequestLedger;
  readonly #guard: SpendGuard;
  readonly #now: () => number;
  readonly #timers: RouterTimers;
  readonly #newId: () => string;

  constructor(options: RouterOptions) {
    this.config = options.config;
    this.#adapterFor = options.adapterFor;
    this.#embeddingAdapterFor = options.embeddingAdapterFor;
    this.#ledger = options.ledger;
    this.breakers = options.breakers ?? new BreakerBoard(options.config.router.breaker);
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? systemTimers;
    this.#newId = options.newId ?? (() => crypto.randomUUID());
    const ledger = options.ledger;
    this.#guard =
      options.spendGuard ??
      new SpendGuard(options.config.budgets, {
        reservations:
          options.spend?.reservations ??
          createInProcessSpendReservations(async (sinceMs, callerTag) =>
            ledger.spentSince(sinceMs, callerTag),
          ),
        ...(options.spend ? { leaseMs: options.spend.leaseMs } : {}),
      });
  }

  /** The plan for a task, with breaker states; makes no call. */
  explain(request: ChatRequest): PlanExplanation {
    const plan = buildPlan(this.config, request);
    const now = this.#now();
    const breakers: Record<string, BreakerSnapshot> = {};
    for (const candidate of plan.candidates)
      breakers[candidate.model] = this.breakers.snapshot(candidate.model, now);
    return { ...plan, breakers };
  }

  /** Routes a request and resolves with the whole answer; throws AllCandidatesFailedError, BudgetExceededError, UnknownModelError. */
  async complete(request: ChatRequest): Promise<ChatResult> {
    for await (const event of this.#route(request, false)) {
      if (event.type === 'done') return event.result;
      if (event.type === 'error') throw event.error;
    }
    throw new Error('router ended without a result');
  }

  /**
   * Routes a request and yields the answer as it arrives. Failover and escalation stay invisible until the
   * first visible token: failures before `start` are thrown, failures after it end the stream with one
   * `error` event. With structured output the whole answer is checked before any of it is sent.
   * Ending the iteration early (a client went away) cancels the upstream call.
   */
  stream(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    return this.#route(request, true);
  }

  /**
   * Embeds the inputs with the first model of the `embeddings:` list that answers (or the pinned
   * one), failing over like chat requests do, with breakers; every attempt is one ledger row, under
   * the task `embeddings`. Spend caps apply as for chat (each paid attempt reserves its worst case
   * first). Throws AllCandidatesFailedError, BudgetExceededError, or UnknownModelError for an unlisted pin.
   */
  async embed(request: EmbeddingRequest): Promise<EmbeddingResult> {
    const listed = this.config.embeddings ?? [];
    if (request.model !== undefined && !listed.includes(request.model))
      throw new UnknownModelError(request.model, listed);
    const startedAt = this.#now();
    const trace: Trace = {
      requestId: request.requestId ?? this.#newId(),
      task: embeddingsTask,
      resolvedTask: embeddingsTask,
      callerTag: request.callerTag,
      plan: [],
      attempts: [],
      notes: [],
      startedAt,
    };
    for (const name of request.model === undefined ? listed : [request.model]) {
      const model = this.config.models[name];
      const provider = this.config.providers[model.provider];
      trace.plan.push({
        model: name,
        provider: provider.name,
        tier: -1,
        available: provider.unavailableReason === undefined,
        ...(provider.unavailableReason ? { note: provider.unavailableReason } : {}),
      });
    }
    let answered: { vectors: number[][]; attempt: Attempt } | undefined;
    // Spend caps as for chat: refused at the door, or (cap-tier) only free models; a paid attempt
    // reserves its worst case first.
    let budgetError: BudgetExceededError | undefined;
    let capped = false;
    try {
      await this.#guard.assertOpen(startedAt, { callerTag: request.callerTag });
    } catch (error) {
      if (!(error instanceof BudgetExceededError)) throw error;
      budgetError = error;
      capped = this.#guard.onExceeded === 'cap-tier';
      trace.notes.push(capped ? `${error.message}: only free embedding models are allowed` : error.message);
    }
    for (const candidate of budgetError && !capped ? [] : trace.plan) {
      if (!candidate.available || !this.#embeddingAdapterFor) {
        trace.notes.push(
          `skipped ${candidate.model}: ${candidate.note ?? 'no embedding adapters are wired'}`,
        );
        continue;
      }
      const worstCase = embeddingWorstCaseCost(this.config.models[candidate.model], request.inputs);
      let reservation: Reservation | undefined;
      if (worstCase > 0) {
        try {
          if (capped && budgetError) throw budgetError;
          const callMs = this.config.providers[this.config.models[candidate.model].provider].timeouts.totalMs;
          reservation = await this.#guard.reserve(
            this.#now(),
            { callerTag: request.callerTag },
            worstCase,
            callMs,
          );
        } catch (error) {
          if (!(error instanceof BudgetExceededError)) throw error;
          budgetError = error;
          trace.notes.push(`skipped ${candidate.model}: ${error.message}`);
          continue;
        }
      }
      const breaker = this.breakers.get(candidate.model);
      const permit = await this.breakers.acquire(
        candidate.model,
        this.#now(),
        this.#trialMs(candidate.model),
      );
      if (!permit) {
        trace.notes.push(`skipped ${candidate.model}: breaker open`);
        if (reservation) await this.#guard.settle(reservation, 0).catch(() => {});
        continue;
      }
      const model = this.config.models[candidate.model];
      const attemptStart = this.#now();
      const attempt: Attempt = {
        model: candidate.model,
        provider: candidate.provider,
        tier: candidate.tier,
        outcome: 'ok',
        startedAt: attemptStart,
        latencyMs: 0,
        usage: zeroUsage(),
        costUsd: 0,
      };
      trace.attempts.push(attempt);
      try {
        const answer = await this.#embeddingAdapterFor(candidate.model).embed({
          inputs: request.inputs,
          dimensions: request.dimensions,
          timeouts: this.config.providers[model.provider].timeouts,
          signal: request.signal,
        });
        attempt.latencyMs = this.#now() - attemptStart;
        attempt.usage = { ...zeroUsage(), input: answer.inputTokens };
        attempt.costUsd = calculateCost(model.cost, attempt.usage);
        breaker.recordSuccess(permit);
        answered = { vectors: answer.vectors, attempt };
        break;
      } catch (error) {
        attempt.latencyMs = this.#now() - attemptStart;
        attempt.outcome = 'error';
        if (request.signal?.aborted) {
          attempt.reason = 'aborted';
          breaker.release(permit);
          break;
        }
        const verdict = describeError(error);
        attempt.reason = verdict.reason;
        attempt.detail = verdict.detail;
        if (verdict.countsAgainstModel)
          breaker.recordFailure(this.#now(), verdict.reason, {
            immediate: verdict.opensImmediately,
            minCooldownMs: verdict.minCooldownMs,
            permit,
          });
        else breaker.release(permit);
      } finally {
        if (reservation) await this.#guard.settle(reservation, attempt.costUsd).catch(() => {});
      }
    }
    const usage = trace.attempts.reduce((sum, attempt) => addUsage(sum, attempt.usage), zeroUsage());
    const costUsd = trace.attempts.reduce((sum, attempt) => sum + attempt.costUsd, 0);
    const refused = !answered && trace.attempts.length === 0 ? budgetError : undefined;
    const errorCode = answered
      ? undefined
      : request.signal?.aborted
        ? 'aborted'
        : (refused?.code ?? 'all_candidates_failed');
    await this.#ledger.record(
      {
        requestId: trace.requestId,
        task: embeddingsTask,
        resolvedTask: embeddingsTask,
        callerTag: request.callerTag,
        startedAt,
        finishedAt: this.#now(),
        outcome: answered ? 'ok' : 'error',
        errorCode,
        model: answered?.attempt.model,
        tier: answered?.attempt.tier,
        usage,
        costUsd,
        notes: [...trace.notes],
      },
      trace.attempts,
    );
    if (!answered) {
      if (request.signal?.aborted) throw request.signal.reason;
      if (refused) throw refused;
      throw new AllCandidatesFailedError(trace);
    }
    return {
      requestId: trace.requestId,
      vectors: answered.vectors,
      model: answered.attempt.model,
      usage,
      costUsd,
      trace,
    };
  }

  async *#route(request: ChatRequest, streaming: boolean): AsyncGenerator<ChatStreamEvent> {
    const startedAt = this.#now();
    const plan = buildPlan(this.config, request);
    const trace: Trace = {
      requestId: request.requestId ?? this.#newId(),
      task: plan.task,
      resolvedTask: plan.resolvedTask,
      callerTag: request.callerTag,
      reasoning: plan.reasoning,
      plan: plan.candidates,
      attempts: [],
      notes: [...plan.notes],
      startedAt,
    };
    // The caller's signal is followed by a listener rather than AbortSignal.any, which costs a
    // composite signal and its weak-reference bookkeeping on every request.
    const cancel = new AbortController();
    const signal = cancel.signal;
    const onCallerAbort = () => cancel.abort(request.signal?.reason);
    if (request.signal?.aborted) onCallerAbort();
    else request.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const state: RouteState = {
      request,
      plan,
      trace,
      streaming,
      committed: false,
      signal,
      tried: false,
      failover: resolveFailover(this.config, plan.resolvedTask, request),
      floorTier: plan.candidates[0]?.tier ?? 0,
      waitedMs: 0,
      setbacks: new Map(),
      dropped: new Map(),
    };
    let recorded = false;
    /** Every attempt has ended and the answer is recorded: nothing upstream is left to cancel. */
    let settled = false;
    const record = async (outcome: 'ok' | 'error', errorCode?: string, answered?: Attempt) => {
      recorded = true;
      const usage = trace.attempts.reduce((sum, attempt) => addUsage(sum, attempt.usage), zeroUsage());
      const costUsd = trace.attempts.reduce((sum, attempt) => sum + attempt.costUsd, 0);
      await this.#ledger.record(
        {
          requestId: trace.requestId,
          task: trace.task,
          resolvedTask: trace.resolvedTask,
          callerTag: request.callerTag,
          startTier: plan.candidates[0]?.tier,
          startedAt,
          finishedAt: this.#now(),
          outcome,
          errorCode,
          model: answered?.model,
          tier: answered?.tier,
          usage,
          costUsd,
          notes: [...trace.notes],
        },
        trace.attempts,
      );
      return { usage, costUsd };
    };

    try {
      const candidates = await this.#admit(state);
      const deferred: PlanEntry[] = [];
      let index = 0;
      let final: AttemptEnd | undefined;
      while (index < candidates.length) {
        const candidate = candidates[index];
        if (!candidate.available) {
          trace.notes.push(`skipped ${candidate.model}: ${candidate.note}`);
          index++;
          continue;
        }
        if (candidate.tier > state.floorTier) {
          if (!candidates.some((other) => other.tier === state.floorTier && other.available)) {
            // Nothing on the floor tier could be called at all (no key): moving up is the plan, not a climb.
            state.floorTier = candidate.tier;
          } else {
            // Provider failures would push the request up a tier: wait for a model below if allowed,
            // else climb only as far as the failover policy lets it.
            const retry = await this.#waitBeforeClimb(state, candidates, candidate);
            if (retry !== undefined) {
              index = retry;
              continue;
            }
            const refusal = climbRefusal(
              state.failover,
              state.floorTier,
              candidate,
              this.config.models[candidate.model],
            );
            if (refusal) {
              this.#decide(state, candidate, 'not_climbed', refusal.reason, refusal.detail, 0);
              trace.notes.push(
                `not climbing to ${candidate.model} (tier ${candidate.tier}): ${refusal.detail}`,
              );
              index++;
              continue;
            }
          }
        }
        const permit = await this.breakers.acquire(
          candidate.model,
          this.#now(),
          this.#trialMs(candidate.model),
        );
        if (!permit) {
          trace.notes.push(`skipped ${candidate.model}: breaker open`);
          if (!deferred.includes(candidate)) deferred.push(candidate);
          if (!state.setbacks.has(candidate.model))
            state.setbacks.set(candidate.model, { at: this.#now(), reason: 'breaker open' });
          index++;
          continue;
        }
        const outcome = yield* this.#runCandidate(state, candidates, index, permit);
        if (outcome === 'next') {
          index++;
          continue;
        }
        if ('kind' in outcome && outcome.kind === 'escalate') {
          if (outcome.to < 0) break;
          index = outcome.to;
          state.floorTier = candidates[index].tier;
          continue;
        }
        final = outcome;
        break;
      }

      if (!final && !state.tried && deferred.length > 0) {
        // Every available candidate is open: try the one that failed longest ago rather than fail outright.
        const now = this.#now();
        const oldest = deferred.reduce((best, candidate) =>
          (this.breakers.snapshot(candidate.model, now).lastFailureAt ?? 0) <
          (this.breakers.snapshot(best.model, now).lastFailureAt ?? 0)
            ? candidate
            : best,
        );
        trace.notes.push(
          `every candidate's breaker is open: trying ${oldest.model}, which failed longest ago`,
        );
        const permit = this.breakers.get(oldest.model).forceAcquire();
        const outcome = yield* this.#runCandidate(state, candidates, candidates.indexOf(oldest), permit);
        if (outcome !== 'next' && !('kind' in outcome && outcome.kind === 'escalate')) final = outcome;
      }

      if (final?.kind === 'broken') {
        await record('error', final.error.code, final.attempt);
        yield { type: 'error', error: final.error, trace };
        return;
      }
      if (final?.kind === 'internal') {
        trace.notes.push(
          `${final.attempt.model}: Pyramid failed before calling the provider (${final.error.message}); no other model is tried and no breaker counts it`,
        );
        await record('error', final.error.code);
        throw final.error;
      }
      if (final?.kind !== 'answer') {
        const skips = state.parameterSkips;
        const error =
          !state.tried && state.budgetError
            ? state.budgetError
            : !state.tried && skips
              ? new UnsupportedParameterError([...skips.parameters], skips.models)
              : new AllCandidatesFailedError(trace);
        await record('error', error.code);
        throw error;
      }
      if (final.attempt.outcome === 'inadequate') {
        trace.notes.push(
          `pinned to ${final.attempt.model}: returning its ${final.attempt.reason} answer without escalating`,
        );
      }
      const totals = await record('ok', undefined, final.attempt);
      settled = true;
      const result: ChatResult = {
        requestId: trace.requestId,
        text: final.answer.text,
        ...(final.answer.reasoning ? { reasoning: final.answer.reasoning } : {}),
        toolCalls: final.answer.toolCalls,
        finishReason: final.answer.finishReason,
        model: final.attempt.model,
        tier: final.attempt.tier,
        usage: totals.usage,
        costUsd: totals.costUsd,
        ...(state.dropped.has(final.attempt.model)
          ? { droppedParameters: state.dropped.get(final.attempt.model) }
          : {}),
        trace,
      };
      if (streaming && !state.committed) {
        // Buffered (structured output, or tool calls only): send it all now.
        yield {
          type: 'start',
          requestId: trace.requestId,
          model: result.model,
          tier: result.tier,
          ...(result.droppedParameters ? { droppedParameters: result.droppedParameters } : {}),
        };
        if (result.reasoning) yield { type: 'reasoning-delta', text: result.reasoning };
        if (result.text) yield { type: 'text-delta', text: result.text };
        for (const toolCall of result.toolCalls) yield { type: 'tool-call', toolCall };
      }
      yield { type: 'done', result };
    } catch (error) {
      if (!recorded)
        await record(
          'error',
          error instanceof PyramidError ? error.code : signal.aborted ? 'aborted' : 'internal_error',
        );
      throw error;
    } finally {
      request.signal?.removeEventListener('abort', onCallerAbort);
      if (!settled) cancel.abort(new DOMException('the caller stopped reading the stream', 'AbortError'));
      if (!recorded) {
        // The caller went away (or the request was aborted) mid-way; the attempts made so far still cost.
        await record('error', 'aborted').catch(() => {});
      }
    }
  }

  /**
   * Tries one candidate. A reasoning model that spent its whole budget thinking gets one retry with
   * twice the budget; any other inadequate answer escalates to the next tier (never for a pinned model).
   */
  async *#runCandidate(
    state: RouteState,
    candidates: PlanEntry[],
    index: number,
    acquired: BreakerPermit,
  ): AsyncGenerator<ChatStreamEvent, CandidateEnd> {
    const { request, trace, plan } = state;
    const candidate = candidates[index];
    const model = this.config.models[candidate.model];
    if (request.parameters) {
      const dropped = this.#droppedParameters(request, candidate.model);
      if (dropped.length > 0 && request.strictParameters) {
        trace.notes.push(
          `skipped ${candidate.model}: it cannot take ${dropped.join(', ')} (strict parameters)`,
        );
        state.parameterSkips ??= { models: [], parameters: new Set() };
        state.parameterSkips.models.push(candidate.model);
        for (const name of dropped) state.parameterSkips.parameters.add(name);
        this.breakers.get(candidate.model).release(acquired);
        return 'next';
      }
      if (dropped.length > 0 && !state.dropped.has(candidate.model)) {
        state.dropped.set(candidate.model, dropped);
        const api = this.config.providers[model.provider].api;
        trace.notes.push(`${candidate.model}: dropped ${dropped.join(', ')} (${api} cannot express them)`);
      }
    }
    let budgetMultiplier = 1;
    let permit = acquired;
    for (;;) {
      const { maxTokens, note } = effectiveMaxTokens(model, request.maxTokens, plan.reasoning);
      if (note && budgetMultiplier === 1) trace.notes.push(note);
      const callMaxTokens = maxTokens === undefined ? undefined : maxTokens * budgetMultiplier;
      let reservation: Reservation | undefined;
      try {
        reservation = await this.#reserve(state, candidate, callMaxTokens);
      } catch (error) {
        if (!(error instanceof BudgetExceededError)) throw error;
        state.budgetError = error;
        trace.notes.push(`skipped ${candidate.model}: ${error.message}`);
        this.breakers.get(candidate.model).release(permit);
        return 'next';
      }
      state.tried = true;
      const end = yield* this.#attempt(state, candidate, callMaxTokens, reservation, permit);
      // A probe's outcome is recorded: a retry of the same model is an ordinary call.
      permit = this.breakers.get(candidate.model).ticket();
      if (end.kind === 'failed') return 'next';
      if (end.kind === 'broken' || end.kind === 'internal') return end;
      const verdict = checkAnswer(end.answer, request.responseFormat);
      if (!verdict.inadequacy) return end;
      end.attempt.outcome = 'inadequate';
      end.attempt.reason = verdict.inadequacy;
      end.attempt.detail = verdict.detail;
      if (verdict.inadequacy === 'length_no_text' && model.reasoning && budgetMultiplier === 1) {
        budgetMultiplier = 2;
        trace.notes.push(
          `${candidate.model}: no visible text within ${callMaxTokens} tokens; retrying once with twice the budget`,
        );
        continue;
      }
      if (plan.pinned) return end;
      trace.notes.push(`escalating from tier ${candidate.tier}: ${verdict.inadequacy}`);
      return {
        kind: 'escalate',
        to: candidates.findIndex((other, position) => position > index && other.tier > candidate.tier),
      };
    }
  }

  /** The request's parameters a candidate's protocol cannot express. */
  #droppedParameters(request: ChatRequest, model: string): string[] {
    const adapter = this.#adapterFor(model);
    if (!adapter.droppedParameters) return [];
    const provider = this.config.providers[this.config.models[model].provider];
    return adapter.droppedParameters({
      messages: request.messages,
      tools: request.tools,
      parameters: request.parameters,
      responseFormat: request.responseFormat,
      timeouts: provider.timeouts,
    });
  }

  /** Spend caps at the door: refuse the request, or narrow it to the cheap tiers. */
  async #admit(state: RouteState): Promise<PlanEntry[]> {
    const candidates = state.plan.candidates;
    try {
      await this.#guard.assertOpen(this.#now(), this.#spendCaller(state.request));
      return candidates;
    } catch (error) {
      if (!(error instanceof BudgetExceededError) || this.#guard.onExceeded !== 'cap-tier') throw error;
      const allowed = candidates.filter((candidate) => candidate.tier <= this.#guard.capTier);
      if (allowed.length === 0) throw error;
      state.trace.notes.push(`${error.message}: only tiers up to ${this.#guard.capTier} are allowed`);
      return allowed;
    }
  }

  async #reserve(
    state: RouteState,
    candidate: PlanEntry,
    maxTokens: number | undefined,
  ): Promise<Reservation | undefined> {
    const model = this.config.models[candidate.model];
    const amount = worstCaseCost(model, state.request.messages, maxTokens);
    if (amount === 0) return undefined;
    const callMs = this.config.providers[model.provider].timeouts.totalMs;
    return this.#guard.reserve(this.#now(), this.#spendCaller(state.request), amount, callMs);
  }

  /** How long a half-open trial of `model` may be out: its provider's time limit for one call. */
  #trialMs(model: string): number {
    return this.config.providers[this.config.models[model].provider].timeouts.totalMs;
  }

  /** The caps a chat call counts against: its caller tag's, and its agent's `spendCap` in this config. */
  #spendCaller(request: ChatRequest): SpendCaller {
    const capUsd =
      request.agentId === undefined ? undefined : this.config.agents?.[request.agentId]?.spendCapUsd;
    return {
      callerTag: request.callerTag,
      ...(capUsd === undefined ? {} : { agent: { id: request.agentId as string, capUsd } }),
    };
  }

  /**
   * Before a provider failure pushes the request above its tier: when the failover policy allows a
   * wait, waits for the model of that tier that will be callable soonest (a 429's Retry-After, an open
   * breaker's retry time, a probe in flight) and returns its index to try it again; undefined when
   * none will be callable within the wait left. The wait follows the request's signal and the
   * injected clock, ends early when the model's breaker changes, and is recorded as a `waited` attempt.
   */
  async #waitBeforeClimb(
    state: RouteState,
    candidates: PlanEntry[],
    climbTo: PlanEntry,
  ): Promise<number | undefined> {
    const left = state.failover.maxWaitMs - state.waitedMs;
    if (left <= 0) return undefined;
    const now = this.#now();
    let best: { index: number; readyAt: number; setback: Setback } | undefined;
    candidates.forEach((candidate, index) => {
      const setback = state.setbacks.get(candidate.model);
      if (candidate.tier !== state.floorTier || !candidate.available || !setback) return;
      const breaker = this.breakers.snapshot(candidate.model, now);
      let readyAt: number;
      if (breaker.state === 'open') readyAt = breaker.retryAt ?? now;
      else if (breaker.probeInFlight)
        readyAt = now + left; // until that probe ends, at the latest
      else if (breaker.state === 'half-open') readyAt = now;
      else readyAt = setback.at + (setback.retryAfterMs ?? this.config.router.breaker.cooldownMs);
      readyAt = Math.max(readyAt, now);
      if (readyAt - now > left) return;
      if (!best || readyAt < best.readyAt) best = { index, readyAt, setback };
    });
    if (!best) return undefined;
    const { index, readyAt, setback } = best;
    const candidate = candidates[index];
    const startedAt = now;
    if (readyAt > now) await this.#sleep(readyAt - now, state.signal, this.breakers.get(candidate.model));
    const waited = Math.max(0, this.#now() - startedAt);
    state.waitedMs += Math.max(waited, 1); // a wait that took no time still spends, so the loop ends
    state.setbacks.delete(candidate.model);
    if (waited > 0) {
      const detail = `waited ${waited} ms for ${candidate.model} (${setback.reason}) instead of climbing to ${climbTo.model} on tier ${climbTo.tier}`;
      this.#decide(state, candidate, 'waited', setback.reason, detail, waited, startedAt);
      state.trace.notes.push(detail);
    }
    return index;
  }

  /** Waits `ms` by the injected timers, or until the breaker changes; rejects when the request is aborted. */
  #sleep(ms: number, signal: AbortSignal, breaker: { subscribe(listener: () => void): () => void }) {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const end = (error?: unknown) => {
        this.#timers.clearTimeout(handle);
        unsubscribe();
        signal.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = () => end(signal.reason ?? new DOMException('aborted', 'AbortError'));
      const handle = this.#timers.setTimeout(() => end(), ms);
      const unsubscribe = breaker.subscribe(() => end());
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Records a routing decision (`waited`, `not_climbed`) beside the calls, in the trace and so the ledger. */
  #decide(
    state: RouteState,
    candidate: PlanEntry,
    outcome: 'waited' | 'not_climbed',
    reason: string,
    detail: string,
    latencyMs: number,
    startedAt = this.#now(),
  ): void {
    state.trace.attempts.push({
      model: candidate.model,
      provider: candidate.provider,
      tier: candidate.tier,
      outcome,
      reason,
      detail,
      startedAt,
      latencyMs,
      usage: zeroUsage(),
      costUsd: 0,
    });
  }

  /**
   * One call to one model. Yields stream events only once the answer is committed to this attempt.
   * However it ends (an answer, a failure, an abort, or the caller leaving while an event is out), the
   * attempt goes into the trace, its reservation is settled and its breaker slot is given back.
   */
  async *#attempt(
    state: RouteState,
    candidate: PlanEntry,
    maxTokens: number | undefined,
    reservation: Reservation | undefined,
    permit: BreakerPermit,
  ): AsyncGenerator<ChatStreamEvent, AttemptEnd> {
    const model = this.config.models[candidate.model];
    const provider = this.config.providers[model.provider];
    const adapter = this.#adapterFor(candidate.model);
    const breaker = this.breakers.get(candidate.model);
    const { request } = state;
    const call: ModelCall = {
      messages: request.messages,
      maxTokens,
      temperature: request.temperature,
      responseFormat: request.responseFormat,
      tools: request.tools,
      parameters: request.parameters,
      reasoning: state.plan.reasoning,
      timeouts: provider.timeouts,
      signal: state.signal,
    };
    const startedAt = this.#now();
    const attempt: Attempt = {
      model: candidate.model,
      provider: candidate.provider,
      tier: candidate.tier,
      outcome: 'ok',
      startedAt,
      latencyMs: 0,
      maxTokens,
      usage: zeroUsage(),
      costUsd: 0,
    };
    /** The call ended with an answer or a failure that tells something about the model. */
    let finished = false;
    const finishAttempt = (usage: Usage) => {
      finished = true;
      attempt.latencyMs = this.#now() - startedAt;
      attempt.usage = usage;
      attempt.costUsd = calculateCost(model.cost, usage);
    };
    const fail = (error: unknown): AttemptEnd => {
      // Aborted: not the model's failure; the finally below records it as such.
      if (state.signal.aborted) throw state.signal.reason ?? error;
      finishAttempt(attempt.usage);
      attempt.outcome = 'error';
      const verdict = describeError(error);
      attempt.reason = verdict.reason;
      attempt.detail = verdict.detail;
      if (verdict.internal) {
        breaker.release(permit);
        const internal =
          error instanceof InternalError
            ? error
            : new InternalError(
                `${candidate.model}: ${verdict.detail} (a failure inside Pyramid, not the provider's)`,
                {
                  cause: error,
                },
              );
        if (state.committed) return { kind: 'broken', attempt, error: internal };
        return { kind: 'internal', attempt, error: internal };
      }
      if (verdict.countsAgainstModel) {
        state.setbacks.set(candidate.model, {
          at: this.#now(),
          reason: verdict.reason,
          retryAfterMs: verdict.minCooldownMs,
        });
        breaker.recordFailure(this.#now(), verdict.reason, {
          immediate: verdict.opensImmediately,
          minCooldownMs: verdict.minCooldownMs,
          permit,
        });
      } else {
        breaker.release(permit);
      }
      if (state.committed) {
        const broken =
          error instanceof PyramidError
            ? error
            : new PyramidError('stream_failed', verdict.detail, { cause: error });
        return { kind: 'broken', attempt, error: broken };
      }
      return { kind: 'failed', attempt };
    };

    try {
      // Upstream calls always stream, for both complete() and stream(): a server that accepts and never
      // answers is caught by the first-token timeout instead of the total one, and every attempt has a
      // time to first token. complete() never commits, so it can fail over even after text started.
      // Structured output is validated whole before any of it is sent, so it can still escalate.
      const bufferAll =
        !state.streaming || (request.responseFormat !== undefined && request.responseFormat.type !== 'text');
      let text = '';
      // Kept only for a caller that asked for it; until the answer is committed it waits here, so that
      // failover and the retry of an empty reasoning answer stay invisible.
      const keepReasoning = request.includeReasoning === true;
      let reasoning = '';
      const toolCalls: ToolCall[] = [];
      let finishReason: FinishReason = 'other';
      let usage: Usage | undefined;
      try {
        for await (const event of adapter.stream(call)) {
          if (
            attempt.ttftMs === undefined &&
            (event.type === 'text-delta' || event.type === 'reasoning-delta')
          ) {
            attempt.ttftMs = this.#now() - startedAt;
          }
          if (event.type === 'text-delta') {
            text += event.text;
            if (bufferAll) continue;
            if (!state.committed) {
              if (text.trim() === '') continue; // leading whitespace alone does not commit to this model
              state.committed = true;
              const dropped = state.dropped.get(candidate.model);
              yield {
                type: 'start',
                requestId: state.trace.requestId,
                model: candidate.model,
                tier: candidate.tier,
                ...(dropped ? { droppedParameters: dropped } : {}),
              };
              if (reasoning) yield { type: 'reasoning-delta', text: reasoning };
              yield { type: 'text-delta', text };
            } else {
              yield { type: 'text-delta', text: event.text };
            }
          } else if (event.type === 'reasoning-delta') {
            if (!keepReasoning) continue;
            reasoning += event.text;
            if (state.committed && !bufferAll) yield { type: 'reasoning-delta', text: event.text };
          } else if (event.type === 'tool-call') {
            toolCalls.push(event.toolCall);
          } else if (event.type === 'finish') {
            finishReason = event.finishReason;
            usage = event.usage;
          }
        }
      } catch (error) {
        return fail(error);
      }
      finishAttempt(usage ?? zeroUsage());
      breaker.recordSuccess(permit);
      if (state.committed) {
        for (const toolCall of toolCalls) yield { type: 'tool-call', toolCall };
      }
      return {
        kind: 'answer',
        answer: { text, reasoning, toolCalls, finishReason, usage: attempt.usage },
        attempt,
      };
    } finally {
      if (!finished) {
        // Aborted, or the caller stopped reading while an event was out: nothing is known about the model.
        finishAttempt(attempt.usage);
        attempt.outcome = 'error';
        attempt.reason = 'aborted';
        breaker.release(permit);
      }
      state.trace.attempts.push(attempt);
      // A settle the store could not take leaves the worst case held until the hold lapses; the
      // attempt's answer is not failed for it (its cost is in the ledger row all the same).
      if (reservation) await this.#guard.settle(reservation, attempt.costUsd).catch(() => {});
    }
  }
}
