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
    // With weight 0.5 both halve. The rejected side only shows in its rewards: -4/3, -2.
    const result = run(new SftObjective({ weight: 1 }), [-6, -1.5], [3, 1], [-4, -2]);
    expect(result.losses).toEqual([2, 1.5]);
    expect(result.rejectedRewards[0]).toBeCloseTo(-4 / 3, 6);
    expect(run(new SftObjective({ weight: 0.5 }), [-6, -1.5], [3, 1], [-4, -2]).losses).toEqual([
      1, 0.75,
    ]);
  });

  it('ignores the rejected completion and needs no reference', () => {
    const a = run(new SftObjective({ weight: 1 }), [-3], [2], [-1]);
    const b = run(new SftObjective({ weight: 1 }), [-3], [2], [-100]);
    expect(a.losses).toEqual(b.losses);
    expect(new SftObjective({ weight: 1 }).usesReference).toBe(false);
  });

  it('falls as the chosen log-prob rises: its gradient is -weight / tokens', () => {
    const gradient = tf.tidy(() =>
      Array.from(
        tf
          .grad((chosen: tf.Tensor) =>
            tf.sum(
              new SftObjective({ weight: 2 }).compute({
                policy: { chosen: chosen as tf.Tensor1D, rejected: tf.zeros([2]) as tf.Tensor1D },
                chosenTokens: tf.tensor1d([4, 1]),
                rejectedTokens: tf.tensor1d([4, 1]),
              }).losses,
            ),
          )(tf.tensor1d([-2, -3]))
          .dataSync(),
      ),
    );
    // d/dc of -2 c / n is -2 / n: -0.5 and -2.
    expect(gradient).toEqual([-0.5, -2]);
  });

  it('validates its weight', () => {
    expect(() => sft.options.parse({ weight: 0 }, 'objective')).toThrow(
      'objective.weight: must be number > 0, got 0',
    );
  });
});
