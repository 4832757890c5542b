import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lengthGroupedBatches, seededRandom } from '../src/index.js';

/** Padding a batch needs: each item padded to the longest in its batch. */
function padding(lengths: number[], batches: number[][]): number {
  return batches.reduce((total, batch) => {
    const longest = Math.max(...batch.map((i) => lengths[i] ?? 0));
    return total + batch.reduce((sum, i) => sum + longest - (lengths[i] ?? 0), 0);
  }, 0);
}

describe('lengthGroupedBatches', () => {
  it('puts every index in exactly one batch of at most batchSize', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 200 }),
        fc.integer({ min: 1, max: 17 }),
        fc.integer(),
        (lengths, batchSize, seed) => {
          const batches = lengthGroupedBatches(lengths, batchSize, seededRandom(seed));
          const seen = batches.flat().sort((a, b) => a - b);
          expect(seen).toEqual(lengths.map((_, i) => i));
          for (const batch of batches) {
            expect(batch.length).toBeGreaterThan(0);
            expect(batch.length).toBeLessThanOrEqual(batchSize);
          }
          // Only the tail of each pool can be short: at most one short batch per pool.
          const pools = Math.ceil(lengths.length / (batchSize * 16));
          expect(batches.filter((b) => b.length < batchSize).length).toBeLessThanOrEqual(pools);
        },
      ),
    );
  });

  it('repeats for a seed and changes with it', () => {
    const lengths = Array.from({ length: 100 }, (_, i) => (i * 37) % 91);
    const first = lengthGroupedBatches(lengths, 8, seededRandom(4));
    expect(lengthGroupedBatches(lengths, 8, seededRandom(4))).toEqual(first);
    expect(lengthGroupedBatches(lengths, 8, seededRandom(5))).not.toEqual(first);
  });

  it('pads far less than batching in plain shuffled order', () => {
    const random = seededRandom(9);
    const lengths = Array.from({ length: 512 }, () => 5 + random.integer(120));
    const grouped = padding(lengths, lengthGroupedBatches(lengths, 16, seededRandom(1)));
    // Pools of a single batch: sorting inside a batch changes nothing, so this is
    // plain shuffled batching.
    const plain = padding(lengths, lengthGroupedBatches(lengths, 16, seededRandom(1), 1));
    expect(grouped).toBeLessThan(plain / 4);
  });
});
