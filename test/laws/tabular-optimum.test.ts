import { collatePairs, softLabelLosses, type TokenizedPair, tf, toTokenBatch } from '@prefopt/core';
import { BanditTask } from '@prefopt/datasets';
import { HdpoObjective } from '@prefopt/objective-hdpo';
import { TabularPolicy } from '@prefopt/policies';
import { describe, expect, it } from 'vitest';

const beta = 0.5;
const task = new BanditTask({ prompts: 3, candidates: 5, rewardScale: 1 }, 11);

/**
 * The closed form, derived here from the task's rewards and reference:
 * pi*(y) is proportional to pi_ref(y)^(1/alpha) exp(r(y) / (alpha beta)).
 */
function closedForm(alpha: number): number[][] {
  return task.rewards.map((rewards, k) => {
    const weights = rewards.map(
      (r, j) =>
        (task.referenceProbabilities[k]?.[j] ?? 0) ** (1 / alpha) * Math.exp(r / (alpha * beta)),
    );
    const total = weights.reduce((a, b) => a + b, 0);
    return weights.map((w) => w / total);
  });
}

function kl(p: number[], q: number[]): number {
  return p.reduce((sum, pj, j) => sum + (pj > 0 ? pj * Math.log(pj / (q[j] ?? 0)) : 0), 0);
}

function entropy(p: number[]): number {
  return -p.reduce((sum, pj) => sum + (pj > 0 ? pj * Math.log(pj) : 0), 0);
}

/** Trains a tabular policy, started at the reference, with H-DPO on every pair of the task. */
async function train(alpha: number): Promise<number[][]> {
  const pairs: TokenizedPair[] = [];
  for await (const pair of task.pairs({ contextLength: 4 })) pairs.push(pair);

  const initial = task.referenceProbabilities.map((row) => row.map(Math.log));
  const policy = TabularPolicy.create(
    { prompts: 3, candidates: 5, scope: `bandit-${alpha}` },
    task.tokenizer,
    initial,
  );
  const objective = new HdpoObjective({ alpha, beta });
  const optimizer = tf.train.adam(0.05);
  const batch = toTokenBatch(collatePairs(pairs, task.tokenizer));
  const labels = tf.tensor1d(pairs.map((pair) => pair.label ?? 1));
  const count = pairs.length;
  const reference = tf.tidy(() => {
    const logProbs = TabularPolicy.create(
      { prompts: 3, candidates: 5, scope: `reference-${alpha}` },
      task.tokenizer,
      initial,
    );
    const scores = logProbs.score(batch).logProbs;
    logProbs.dispose();
    return { chosen: tf.slice(scores, 0, count), rejected: tf.slice(scores, count, count) };
  });

  const loss = () =>
    tf.tidy(() => {
      const scores = policy.score(batch);
      const output = softLabelLosses(
        objective,
        {
          policy: {
            chosen: tf.slice(scores.logProbs, 0, count),
            rejected: tf.slice(scores.logProbs, count, count),
          },
          reference,
          chosenTokens: tf.slice(scores.tokens, 0, count),
          rejectedTokens: tf.slice(scores.tokens, count, count),
        },
        labels,
      );
      return tf.mean(output.losses) as tf.Scalar;
    });
  for (let step = 0; step < 600; step++) optimizer.minimize(loss, false, [policy.logits]);

  const learned = policy.probabilities();
  tf.dispose([
    batch.ids,
    batch.completionMask,
    batch.attentionMask,
    labels,
    reference.chosen,
    reference.rejected,
  ]);
  optimizer.dispose();
  policy.dispose();
  return learned;
}

describe('H-DPO on the bandit with a tabular policy', () => {
  const alphas = [0.5, 0.8, 1, 1.5];

  it('converges to the closed-form optimum, and its entropy falls as alpha falls', async () => {
    const entropies: number[] = [];
    for (const alpha of alphas) {
      const learned = await train(alpha);
      const optimum = closedForm(alpha);
      learned.forEach((row, k) => {
        expect(kl(optimum[k] ?? [], row)).toBeLessThan(1e-3);
      });
      entropies.push(learned.reduce((sum, row) => sum + entropy(row), 0) / learned.length);
    }
    for (let i = 1; i < entropies.length; i++) {
      expect(entropies[i]).toBeGreaterThan(entropies[i - 1] ?? Number.NaN);
    }
  });
});
