import { collateRows, type Tokenizer, tf, toTokenBatch } from '@prefopt/core';
import { afterEach, describe, expect, it } from 'vitest';
import { TabularPolicy } from '../src/index.js';

// K = 2 prompts (ids 0, 1), N = 3 candidates (ids 2, 3, 4), then begin 5, end 6, padding 7.
const tokenizer: Tokenizer = {
  vocabularySize: 8,
  beginId: 5,
  endId: 6,
  paddingId: 7,
  encode: () => [],
  decode: () => '',
};
const options = { prompts: 2, candidates: 3, scope: 'table' };
const created: TabularPolicy[] = [];
function table(logits?: number[][]): TabularPolicy {
  const made = TabularPolicy.create(
    { ...options, scope: `table${created.length}` },
    tokenizer,
    logits,
  );
  created.push(made);
  return made;
}
afterEach(() => {
  for (const made of created.splice(0)) made.dispose();
});

describe('the tabular policy', () => {
  it('scores a row as the log-prob of its candidate under its prompt', () => {
    // Prompt 0 has logits [0, ln 2, ln 3]: probabilities [1/6, 2/6, 3/6].
    //   Candidate 1: log(1/3) = -1.098612; entropy
    //   -(1/6 ln 1/6 + 1/3 ln 1/3 + 1/2 ln 1/2) = 0.298627 + 0.366204 + 0.346574 = 1.011404.
    // Prompt 1 is uniform: candidate 2 has log(1/3); entropy ln 3 = 1.098612.
    // Each completion is the candidate and the end token: 2 tokens.
    const policy = table([
      [0, Math.log(2), Math.log(3)],
      [0, 0, 0],
    ]);
    const scores = tf.tidy(() => {
      const batch = toTokenBatch(
        collateRows(
          [
            { prompt: [0], completion: [3] },
            { prompt: [1], completion: [4] },
          ],
          tokenizer,
        ),
      );
      const result = policy.score(batch);
      return [result.logProbs, result.tokens, result.entropy].map((t) => Array.from(t.dataSync()));
    });
    const [logProbs = [], tokens = [], entropy = []] = scores;

    expect(logProbs[0]).toBeCloseTo(-1.098612, 5);
    expect(logProbs[1]).toBeCloseTo(-1.098612, 5);
    expect(tokens).toEqual([2, 2]);
    expect(entropy[0]).toBeCloseTo(1.011404, 5);
    expect(entropy[1]).toBeCloseTo(1.098612, 5);
  });

  it('samples candidates at their probabilities and greedily takes the likeliest', () => {
    const policy = table([
      [0, Math.log(2), Math.log(3)],
      [0, 0, 0],
    ]);
    const draws = policy.sample(Array(6000).fill([0]), { maxTokens: 2, temperature: 1, seed: 5 });
    const counts = [0, 0, 0];
    for (const [candidate = 0, end] of draws) {
      counts[candidate - 2] = (counts[candidate - 2] ?? 0) + 1;
      expect(end).toBe(tokenizer.endId);
    }
    // Expected shares 1/6, 2/6, 3/6. closeTo(x, 1.5) allows 0.0158, over twice the
    // standard error sqrt(p(1 - p) / 6000) <= 0.0065 of each share.
    expect(counts.map((c) => c / 6000)).toEqual([
      expect.closeTo(1 / 6, 1.5),
      expect.closeTo(2 / 6, 1.5),
      expect.closeTo(3 / 6, 1.5),
    ]);
    expect(policy.sample([[0]], { maxTokens: 1, temperature: 0, seed: 1 })).toEqual([[4]]);
  });

  it('rejects a vocabulary that does not fit K + N + 3', () => {
    expect(() =>
      TabularPolicy.create({ prompts: 3, candidates: 3, scope: 'bad' }, tokenizer),
    ).toThrow('tabular: prompts + candidates + 3 special tokens (9) must equal the data');
  });

  it('rejects rows that are not one prompt token and one candidate', () => {
    const policy = table();
    const batch = toTokenBatch(collateRows([{ prompt: [3], completion: [2] }], tokenizer));
    expect(() => policy.score(batch)).toThrow(
      'tabular: row 0 is not a prompt token in [0, 2) followed by a candidate in [2, 5)',
    );
    tf.dispose([batch.ids, batch.completionMask, batch.attentionMask]);
  });

  it('snapshots frozen logits', () => {
    const policy = table([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const reference = policy.snapshot();
    created.push(reference);
    expect(reference.variables[0]?.trainable).toBe(false);
    tf.tidy(() => policy.logits.assign(tf.zeros([2, 3])));
    expect(reference.probabilities()[0]?.[2]).toBeCloseTo(
      Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3)),
      5,
    );
  });
});
