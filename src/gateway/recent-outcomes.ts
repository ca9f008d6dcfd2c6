import { type Attempt, isModelCall } from '../contracts/trace.ts';

/** Attempts per model over a recent window, for the error rate in `/api/health`. */
export class RecentOutcomes {
  readonly #windowMs: number;
  readonly #maxPerModel: number;
  readonly #byModel = new Map<string, { at: number; failed: boolean }[]>();

  constructor(options: { windowMs: number; maxPerModel?: number }) {
    this.#windowMs = options.windowMs;
    this.#maxPerModel = options.maxPerModel ?? 1000;
  }

  record(attempts: readonly Attempt[], at: number): void {
    for (const attempt of attempts) {
      if (attempt.reason === 'aborted' || !isModelCall(attempt)) continue;
      let list = this.#byModel.get(attempt.model);
      if (!list) {
        list = [];
        this.#byModel.set(attempt.model, list);
      }
      list.push({ at, failed: attempt.outcome === 'error' });
      if (list.length > this.#maxPerModel) list.shift();
    }
  }

  /** Attempts and the share that failed (0..1) within the window; errorRate is null without attempts. */
  summary(model: string, now: number): { attempts: number; errorRate: number | null } {
    const list = (this.#byModel.get(model) ?? []).filter((entry) => entry.at > now - this.#windowMs);
    if (list.length === 0) return { attempts: 0, errorRate: null };
    return { attempts: list.length, errorRate: list.filter((entry) => entry.failed).length / list.length };
  }
}
