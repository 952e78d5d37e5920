/** Bounded concurrency: many calls, at most `limit` at once, results in order. Pure (no I/O of its own). */

/** Maps `items` through `fn`, at most `limit` calls under way at any time; rejects with the first rejection. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * The deploy-time self-test's checks invoked at once, at most (functions/verdict/self-test.ts; the construct sizes
 * the function's timeout by it): under the SDK's 50 sockets, so that no invocation waits for a socket until it
 * times out (4 × N at once failed past about 57 targets), and within Lambda's concurrency.
 */
export const SELF_TEST_CONCURRENCY = 32;
