import { calculateCost } from '../contracts/calculate-cost.ts';
import type { ChatRequest } from '../contracts/chat-request.ts';
import type { ChatResult, ChatStreamEvent } from '../contracts/chat-result.ts';
import { AllCandidatesFailedError } from '../contracts/errors/all-candidates-failed-error.ts';
import { BudgetExceededError } from '../contracts/errors/budget-exceeded-error.ts';
import { PyramidError } from '../contracts/errors/pyramid-error.ts';
import type { ToolCall } from '../contracts/message.ts';
import type { FinishReason, ModelAdapter, ModelCall } from '../contracts/model-call.ts';
import type { PyramidConfig } from '../contracts/pyramid-config.ts';
import type { RequestLedger } from '../contracts/request-ledger.ts';
import type { Attempt, PlanEntry, Trace } from '../contracts/trace.ts';
import { addUsage, type Usage, zeroUsage } from '../contracts/usage.ts';
import { BreakerBoard } from './breaker-board.ts';
import { buildPlan, type Plan } from './build-plan.ts';
import { checkAnswer } from './check-answer.ts';
import type { BreakerPermit, BreakerSnapshot } from './circuit-breaker.ts';
import { describeError } from './describe-error.ts';
import { effectiveMaxTokens } from './effective-max-tokens.ts';
import { type Reservation, SpendGuard } from './spend-guard.ts';
import { worstCaseCost } from './worst-case-cost.ts';

export type RouterOptions = {
  config: PyramidConfig;
  /** The adapter for a configured model name; built once by the wiring, never by the router. */
  adapterFor: (model: string) => ModelAdapter;
  ledger: RequestLedger;
  /** Shared with the health probes; a fresh board when omitted. */
  breakers?: BreakerBoard;
  now?: () => number;
  newId?: () => string;
};

/** A plan as `pyramid route explain` shows it: each candidate with its breaker. */
export type PlanExplanation = Plan & { breakers: Record<string, BreakerSnapshot> };

type Answer = { text: string; toolCalls: ToolCall[]; finishReason: FinishReason; usage: Usage };

/** The outcome of one attempt, as the routing loop sees it. */
type AttemptEnd =
  | { kind: 'answer'; answer: Answer; attempt: Attempt }
  | { kind: 'failed'; attempt: Attempt }
  /** A stream failed after visible text went out: nothing can be taken back, the request ends. */
  | { kind: 'broken'; attempt: Attempt; error: PyramidError };

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
};

type CandidateEnd =
  | 'next'
  | { kind: 'escalate'; to: number }
  | Extract<AttemptEnd, { kind: 'answer' | 'broken' }>;

/**
 * The pyramid. Every request enters once; the router alone decides which model answers: the plan,
 * failover on provider failures, escalation on inadequate answers, breakers, the token-budget guard,
 * spend caps, and one ledger row per attempt, committed before the caller sees the result.
 */
export class Router {
  readonly config: PyramidConfig;
  readonly breakers: BreakerBoard;
  readonly #adapterFor: (model: string) => ModelAdapter;
  readonly #ledger: RequestLedger;
  readonly #guard?: SpendGuard;
  readonly #now: () => number;
  readonly #newId: () => string;

  constructor(options: RouterOptions) {
    this.config = options.config;
    this.#adapterFor = options.adapterFor;
    this.#ledger = options.ledger;
    this.breakers = options.breakers ?? new BreakerBoard(options.config.router.breaker);
    this.#guard = options.config.budgets ? new SpendGuard(options.config.budgets, options.ledger) : undefined;
    this.#now = options.now ?? Date.now;
    this.#newId = options.newId ?? (() => crypto.randomUUID());
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
    const state: RouteState = { request, plan, trace, streaming, committed: false, signal, tried: false };
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
        const permit = this.breakers.get(candidate.model).tryAcquire(this.#now());
        if (!permit) {
          trace.notes.push(`skipped ${candidate.model}: breaker open`);
          deferred.push(candidate);
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
      if (final?.kind !== 'answer') {
        const error =
          !state.tried && state.budgetError ? state.budgetError : new AllCandidatesFailedError(trace);
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
        toolCalls: final.answer.toolCalls,
        finishReason: final.answer.finishReason,
        model: final.attempt.model,
        tier: final.attempt.tier,
        usage: totals.usage,
        costUsd: totals.costUsd,
        trace,
      };
      if (streaming && !state.committed) {
        // Buffered (structured output, or tool calls only): send it all now.
        yield { type: 'start', requestId: trace.requestId, model: result.model, tier: result.tier };
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
      permit = 'call'; // a probe's outcome is recorded: a retry of the same model is an ordinary call
      if (end.kind === 'failed') return 'next';
      if (end.kind === 'broken') return end;
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

  /** Spend caps at the door: refuse the request, or narrow it to the cheap tiers. */
  async #admit(state: RouteState): Promise<PlanEntry[]> {
    const candidates = state.plan.candidates;
    if (!this.#guard) return candidates;
    try {
      await this.#guard.assertOpen(this.#now(), state.request.callerTag);
      return candidates;
    } catch (error) {
      if (!(error instanceof BudgetExceededError) || this.#guard.onExceeded !== 'cap-tier') throw error;
      const allowed = candidates.filter((candidate) => candidate.tier <= this.#guard!.capTier);
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
    if (!this.#guard) return undefined;
    const model = this.config.models[candidate.model];
    const amount = worstCaseCost(model, state.request.messages, maxTokens);
    if (amount === 0) return undefined;
    return this.#guard.reserve(this.#now(), state.request.callerTag, amount);
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
      if (verdict.countsAgainstModel) {
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
              yield {
                type: 'start',
                requestId: state.trace.requestId,
                model: candidate.model,
                tier: candidate.tier,
              };
              yield { type: 'text-delta', text };
            } else {
              yield { type: 'text-delta', text: event.text };
            }
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
      breaker.recordSuccess();
      if (state.committed) {
        for (const toolCall of toolCalls) yield { type: 'tool-call', toolCall };
      }
      return { kind: 'answer', answer: { text, toolCalls, finishReason, usage: attempt.usage }, attempt };
    } finally {
      if (!finished) {
        // Aborted, or the caller stopped reading while an event was out: nothing is known about the model.
        finishAttempt(attempt.usage);
        attempt.outcome = 'error';
        attempt.reason = 'aborted';
        breaker.release(permit);
      }
      if (reservation) this.#guard!.settle(reservation, attempt.costUsd);
      state.trace.attempts.push(attempt);
    }
  }
}
