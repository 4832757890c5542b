import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  collateRows,
  type Policy,
  type Scores,
  type TokenizedPair,
  tf,
  toTokenBatch,
} from '@prefopt/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ReferenceCache, TransformerPolicy, transformerOptions } from '../src/index.js';

const special = { vocabularySize: 12, beginId: 9, endId: 10, paddingId: 11 };
const pairs: TokenizedPair[] = [
  { prompt: [1, 2], chosen: [3], rejected: [4, 5, 6] },
  { prompt: [7], chosen: [8, 0], rejected: [1] },
  { prompt: [2, 3, 4, 5], chosen: [6, 7, 8], rejected: [0] },
];
const options = transformerOptions.parse({ layers: 1, width: 8, heads: 2, contextLength: 10 }, '');

const policies: Policy[] = [];
function reference(seed = 1): Policy {
  const made = TransformerPolicy.create(
    { ...options, scope: `ref${policies.length}` },
    special,
    seed,
  );
  policies.push(made);
  return made;
}
afterEach(() => {
  for (const policy of policies.splice(0)) policy.dispose();
});

/** Wraps a policy to count how often it scores a batch. */
function counting(policy: Policy): Policy & { calls: number } {
  const wrapper = Object.create(policy) as Policy & { calls: number };
  wrapper.calls = 0;
  wrapper.score = (batch) => {
    wrapper.calls += 1;
    return policy.score(batch);
  };
  if (policy.scorePairs !== undefined) {
    wrapper.scorePairs = (batch) => {
      wrapper.calls += 1;
      return policy.scorePairs?.(batch) as Scores;
    };
  }
  return wrapper;
}

/** One row at a time, with no batching or padding: the value the cache must match. */
function scoredAlone(
  policy: Policy,
  prompt: readonly number[],
  completion: readonly number[],
): number {
  return tf.tidy(
    () =>
      policy
        .score(toTokenBatch(collateRows([{ prompt, completion }], special)))
        .logProbs.dataSync()[0] ?? Number.NaN,
  );
}

describe('the reference cache', () => {
  it('matches each completion scored alone, in pair order, whatever the batching', async () => {
    const model = reference();
    const result = await new ReferenceCache().logProbs(model, pairs, special, { batchSize: 2 });
    pairs.forEach((pair, i) => {
      expect(result.chosen[i]).toBeCloseTo(scoredAlone(model, pair.prompt, pair.chosen), 5);
      expect(result.rejected[i]).toBeCloseTo(scoredAlone(model, pair.prompt, pair.rejected), 5);
    });
  });

  it('scores a dataset once and then answers from memory', async () => {
    const model = counting(reference());
    const cache = new ReferenceCache();
    const first = await cache.logProbs(model, pairs, special, { batchSize: 2 });
    expect(model.calls).toBe(2);

    const second = await cache.logProbs(model, pairs, special, { batchSize: 2 });
    expect(model.calls).toBe(2);
    expect(second).toBe(first);
  });

  it('keeps results in a run directory, keyed by data and weights, for later runs', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'prefopt-reference-'));
    try {
      const model = counting(reference(1));
      const first = await new ReferenceCache().logProbs(model, pairs, special, {
        batchSize: 8,
        directory,
      });
      expect((await readdir(directory)).filter((f) => f.endsWith('.f32'))).toHaveLength(1);

      const again = counting(reference(1));
      const reread = await new ReferenceCache().logProbs(again, pairs, special, {
        batchSize: 8,
        directory,
      });
      expect(again.calls).toBe(0);
      expect(Array.from(reread.chosen)).toEqual(Array.from(first.chosen));
      expect(Array.from(reread.rejected)).toEqual(Array.from(first.rejected));

      // Other weights or other data are another key, so they are scored afresh.
      const other = counting(reference(2));
      await new ReferenceCache().logProbs(other, pairs, special, { batchSize: 8, directory });
      expect(other.calls).toBe(1);
      await new ReferenceCache().logProbs(again, pairs.slice(1), special, {
        batchSize: 8,
        directory,
      });
      expect(again.calls).toBe(1);
      expect((await readdir(directory)).filter((f) => f.endsWith('.f32'))).toHaveLength(3);
      expect((await readdir(directory)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      await rm(directory, { recursive: true });
    }
  });

  it('leaves no tensors behind', async () => {
    const model = reference();
    const before = tf.memory().numTensors;
    await new ReferenceCache().logProbs(model, pairs, special, { batchSize: 2 });
    expect(tf.memory().numTensors).toBe(before);
  });
});
