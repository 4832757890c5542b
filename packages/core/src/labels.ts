import * as tf from '@tensorflow/tfjs';
import type { Objective, ObjectiveInput, ObjectiveOutput } from './objective.js';

/**
 * An objective's losses under soft preference labels. With p the
 * probability that chosen beats rejected, each pair's loss is
 *
 *   p * loss(chosen over rejected) + (1 - p) * loss(rejected over chosen)
 *
 * so a Bradley-Terry label such as sigmoid(r_chosen - r_rejected) is fitted
 * exactly rather than rounded to a hard preference. Rewards are those of the
 * given order. Works for any objective; with every label 1 it is the
 * objective itself. Call inside tf.tidy.
 *
 * @param labels probabilities in [0, 1], shape [pairs]
 */
export function softLabelLosses(
  objective: Objective,
  input: ObjectiveInput,
  labels: tf.Tensor1D,
): ObjectiveOutput {
  const forward = objective.compute(input);
  const swapped: ObjectiveInput = {
    policy: { chosen: input.policy.rejected, rejected: input.policy.chosen },
    ...(input.reference === undefined
      ? {}
      : { reference: { chosen: input.reference.rejected, rejected: input.reference.chosen } }),
    chosenTokens: input.rejectedTokens,
    rejectedTokens: input.chosenTokens,
  };
  const backward = objective.compute(swapped);

  return {
    losses: tf.add(tf.mul(labels, forward.losses), tf.mul(tf.sub(1, labels), backward.losses)),
    chosenRewards: forward.chosenRewards,
    rejectedRewards: forward.rejectedRewards,
  };
}
