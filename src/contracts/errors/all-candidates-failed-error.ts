import type { Trace } from '../trace.ts';
import { PyramidError } from './pyramid-error.ts';

/** Every candidate of the plan failed or gave an inadequate answer; the trace says what each did. */
export class AllCandidatesFailedError extends PyramidError {
  readonly trace: Trace;
  constructor(trace: Trace) {
    const summary = trace.attempts
      .map((attempt) => {
        if (attempt.outcome === 'waited') return `${attempt.model}: waited ${attempt.latencyMs} ms`;
        if (attempt.outcome === 'not_climbed') return `${attempt.model}: not climbed (${attempt.reason})`;
        return `${attempt.model}: ${attempt.reason ?? attempt.outcome}`;
      })
      .join('; ');
    // Why the plan was short: models skipped without a call (no key, breaker open) say so.
    const skipped = trace.notes.filter((note) => note.startsWith('skipped '));
    super(
      'all_candidates_failed',
      `every candidate failed (${summary || 'no model was available'})${skipped.length > 0 ? `; ${skipped.join('; ')}` : ''}`,
    );
    this.trace = trace;
  }
}
