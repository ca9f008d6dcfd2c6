import { formatUsd } from '../format-usd.ts';
import { PyramidError } from './pyramid-error.ts';

/** A daily spend cap is reached (or this request's worst case would pass it). */
export class BudgetExceededError extends PyramidError {
  readonly scope: string;
  readonly capUsd: number;
  readonly spentUsd: number;
  constructor(scope: string, capUsd: number, spentUsd: number) {
    super(
      'budget_exceeded',
      `daily budget for ${scope} reached: ${formatUsd(spentUsd)} spent or reserved of ${formatUsd(capUsd)}; it resets at 00:00 UTC, or raise budgets in the config`,
    );
    this.scope = scope;
    this.capUsd = capUsd;
    this.spentUsd = spentUsd;
  }
}
