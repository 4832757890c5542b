import { type Random, shuffled } from './random.js';

/**
 * Batches of item indices in a seeded random order, with items of similar
 * length together so that little of each padded batch is padding. Items are
 * shuffled, cut into pools of `poolBatches` batches, sorted by length within
 * each pool, cut into batches, and the batches shuffled again: the order
 * stays random from epoch to epoch while each batch holds near neighbours
 * in length. Every index appears exactly once; only the last batch of the
 * last pool may be short.
 */
export function lengthGroupedBatches(
  lengths: readonly number[],
  batchSize: number,
  random: Random,
  poolBatches = 16,
): number[][] {
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
    throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  }
  const order = shuffled(
    lengths.map((_, index) => index),
    random,
  );
  const poolSize = batchSize * poolBatches;
  const batches: number[][] = [];

  for (let start = 0; start < order.length; start += poolSize) {
    const pool = order
      .slice(start, start + poolSize)
      .sort((a, b) => (lengths[a] ?? 0) - (lengths[b] ?? 0));
    for (let i = 0; i < pool.length; i += batchSize) batches.push(pool.slice(i, i + batchSize));
  }
  return shuffled(batches, random);
}
