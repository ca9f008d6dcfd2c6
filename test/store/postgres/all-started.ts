/**
 * Promise.all for starting processes: waits for every start to end before it throws the first failure,
 * so that a process that did start is in the test's list for its cleanup (not left running, holding the
 * test open).
 */
export async function allStarted<T>(starts: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(starts);
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}
