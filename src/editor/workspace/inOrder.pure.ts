/**
 * Runs `work` on every item, at most `limit` at a time, and gives the results in the items' order
 * (whatever order they finished in). The workspace scan reads its files so: each is a stat, a read
 * and a parse in the scan's worker, round trips that one after another took 1-1.5 s for the
 * samples' 33 files, while a first hover on a large log waited for the scan.
 */
export async function mapInOrder<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}

/**
 * Fills `cache` anew with `keys` in their order: each with what was read for it (`reads`, by index),
 * else with what the cache held for it (a file unchanged since it was read). Keys not given are dropped.
 */
export function refillInOrder<V>(
  cache: Map<string, V>,
  keys: readonly string[],
  reads: readonly (V | undefined)[],
): void {
  const before = new Map(cache);
  cache.clear();
  keys.forEach((key, index) => {
    const read = reads[index] ?? before.get(key);
    if (read) cache.set(key, read);
  });
}
