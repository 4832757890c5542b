import { tf } from '@prefopt/core';
import { describe, expect, it } from 'vitest';
import sft, { SftObjective } from '../src/index.js';

function run(objective: SftObjective, chosen: number[], tokens: number[], rejected: number[]) {
  return tf.tidy(() => {
    const output = objective.compute({
      policy: { chosen: tf.tensor1d(chosen), rejected: tf.tensor1d(rejected) },
      chosenTokens: tf.tensor1d(tokens),
      rejectedTokens: tf.tensor1d(tokens),
    });
    return {
      losses: Array.from(output.losses.dataSync()),
      rejectedRewards: Array.from(output.rejectedRewards.dataSync()),
    };
  });
}

describe('SFT', () => {
  it('is the negative log-likelihood of the chosen completion per token', () => {
    // Pair 0: log-prob -6 over 3 tokens: loss 2. Pair 1: -1.5 over 1 token: loss 1.5.
    // The rejected side only shows in its rewards: -4/3 and -2.
    const result = run(new SftObjective(), [-6, -1.5], [3, 1], [-4, -2]);
    expect(result.losses).toEqual([2, 1.5]);
    expect(result.rejectedRewards[0]).toBeCloseTo(-4 / 3, 6);
  });

  it('ignores the rejected completion and needs no reference', () => {
    const a = run(new SftObjective(), [-3], [2], [-1]);
    const b = run(new SftObjective(), [-3], [2], [-100]);
    expect(a.losses).toEqual(b.losses);
    expect(new SftObjective().usesReference).toBe(false);
  });

  it('falls as the chosen log-prob rises: its gradient is -1 / tokens', () => {
    const gradient = tf.tidy(() =>
      Array.from(
        tf
          .grad((chosen: tf.Tensor) =>
            tf.sum(
              new SftObjective().compute({
                policy: { chosen: chosen as tf.Tensor1D, rejected: tf.zeros([2]) as tf.Tensor1D },
                chosenTokens: tf.tensor1d([4, 1]),
                rejectedTokens: tf.tensor1d([4, 1]),
              }).losses,
            ),
          )(tf.tensor1d([-2, -3]))
          .dataSync(),
      ),
    );
    // d/dc of -c / n is -1 / n: -0.25 and -1.
    expect(gradient).toEqual([-0.25, -1]);
  });

  it('takes no options', () => {
    expect(() => sft.options.parse({ weight: 2 }, 'objective')).toThrow(
      'objective.weight: unknown option (it takes no options)',
    );
  });
});
