/**
 * The first index in `[0, count)` where `isBefore` turns false, for a predicate that is true for a
 * prefix of the indices and false after (sorted data): a binary search, log2(count) calls.
 * `count` when it is true everywhere, 0 when false everywhere.
 */
export function partitionPoint(count: number, isBefore: (index: number) => boolean): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (isBefore(middle)) low = middle + 1;
    else high = middle;
  }
  return low;
}
