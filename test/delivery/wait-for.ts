/**
 * Polls `condition` (which may ask an asynchronous store) every 10 ms until it holds; fails after `timeoutMs`,
 * a guard against a hang, never a speed check: a loaded 2-core machine (another suite beside this one) is slow.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
