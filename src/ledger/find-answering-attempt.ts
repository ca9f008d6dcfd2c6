import type { RequestRecord } from '../contracts/request-ledger.ts';
import type { Attempt } from '../contracts/trace.ts';

/**
 * The last attempt that answered on the model the request reports as answering; -1 for a failed
 * request. A pinned model's answer is returned even when inadequate (it never escalates), so an
 * `inadequate` attempt can be the answer too; a failed one never is.
 */
export function findAnsweringAttempt(request: RequestRecord, attempts: Attempt[]): number {
  if (request.outcome !== 'ok') return -1;
  return attempts.findLastIndex(
    (attempt) =>
      // The router's decisions (waited, not_climbed) are rows beside the calls, never answers.
      (attempt.outcome === 'ok' || attempt.outcome === 'inadequate') &&
      (request.model === undefined || attempt.model === request.model),
  );
}
