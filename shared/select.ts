/**
 * The k-th largest of some numbers without sorting them all: a search ranks tens of thousands of
 * scores to keep its best hundred, and a typed array's native sort of 20,000 costs about 2 ms of
 * the worker's CPU where a selection costs a tenth of it (docs/benchmarks.md).
 */

/**
 * The k-th largest of `values` (k from 1 to their length), by Hoare's selection: linear on average.
 * Reorders `values`.
 */
export function kthLargest(values: Float32Array | Float64Array, k: number): number {
  if (!(k >= 1 && k <= values.length)) throw new RangeError(`the ${k}-th largest of ${values.length} numbers`);
  const target = values.length - k; // its place in ascending order
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i++] = values[j]!;
        values[j--] = t;
      }
    }
    // [lo, j] at most the pivot, [i, hi] at least it, anything between equal to it
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return values[target]!;
}
