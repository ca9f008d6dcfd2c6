import assert from 'node:assert/strict';

/** Asserts two USD amounts agree to a billionth of a cent (float sums differ in the last bits). */
export function assertUsd(actual: number | undefined, expected: number, message?: string): void {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) < 1e-11,
    message ?? `expected ${expected}, got ${actual}`,
  );
}
