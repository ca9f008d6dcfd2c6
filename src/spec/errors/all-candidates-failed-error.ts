import type { Trace } from '../trace.ts';
import { PyramidError } from './pyramid-error.ts';

/** Every candidate of the plan failed or gave an inadequate answer; the trace says what each did. */
export class AllCandidatesFailedError extends PyramidError {
  readonly trace: Trace;
  constructor(trace: Trace) {
    const summary = trace.attempts
      .map((attempt) => `${attempt.model}: ${attempt.reason ?? attempt.outcome}`)
      .join('; ');
    super('all_candidates_failed', `every candidate failed (${summary || 'no model was available'})`);
    this.trace = trace;
  }
}
