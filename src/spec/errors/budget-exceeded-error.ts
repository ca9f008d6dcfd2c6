import { PyramidError } from './pyramid-error.ts';

/** A daily spend cap is reached (or this request's worst case would pass it). */
export class BudgetExceededError extends PyramidError {
  readonly scope: string;
  readonly capUsd: number;
  readonly spentUsd: number;
  constructor(scope: string, capUsd: number, spentUsd: number) {
    super(
      'budget_exceeded',
      `daily budget for ${scope} reached: $${spentUsd.toFixed(4)} spent or reserved of $${capUsd.toFixed(2)}; it resets at 00:00 UTC, or raise budgets in the config`,
    );
    this.scope = scope;
    this.capUsd = capUsd;
    this.spentUsd = spentUsd;
  }
}
