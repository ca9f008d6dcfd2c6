/** USD for display: cents from $1, four decimals from a cent, six below (stored sums stay unrounded). */
export function formatUsd(value: number): string {
  const size = Math.abs(value);
  const digits = size === 0 || size >= 1 ? 2 : size >= 0.01 ? 4 : 6;
  return `${value < 0 ? '-' : ''}$${size.toFixed(digits)}`;
}
