import {
  asFloat32,
  type Infer,
  negativeLogSigmoid,
  number,
  type Objective,
  type ObjectiveInput,
  type ObjectiveOutput,
  object,
  tf,
} from '@prefopt/core';

export const simpoOptions = object({
  beta: number({
    description: 'scale of the reward, the mean log-prob per completion token',
    greaterThan: 0,
    default: 2,
  }),
  gamma: number({
    description: 'target reward margin: how far the chosen reward should exceed the rejected',
    atLeast: 0,
    default: 0.5,
  }),
});

export type SimpoOptions = Infer<typeof simpoOptions>;

/**
 * SimPO, Simple Preference Optimization (Meng, Xia and Chen, 2024, "SimPO:
 * Simple Preference Optimization with a Reference-Free Reward").
 *
 * Takes as implied reward the policy's mean log-prob per token, the
 * quantity generation ranks completions by, so it needs no reference model;
 * the division by length keeps the reward from favouring short or long
 * completions. A Bradley-Terry (sigmoid) loss asks the chosen reward to beat
 * the rejected one by a margin gamma. With pc, pr the policy's summed
 * log-probs of the chosen and rejected completions and nc, nr their token
 * counts:
 *
 *   loss = -log sigmoid(beta * pc / nc - beta * pr / nr - gamma)
 *   implied rewards: beta * pc / nc and beta * pr / nr
 *
 * beta scales the rewards; gamma is the margin, in reward units, by which
 * the chosen reward should beat the rejected one. Any input.reference is
 * ignored. Token counts below 1 count as 1. Matches TRL's CPO trainer with
 * loss_type "simpo" (its simpo_gamma is gamma) and cpo_alpha 0.
 *
 * Options: beta > 0 (default 2); gamma >= 0 (default 0.5).
 */
export class SimpoObjective implements Objective {
  readonly name = 'simpo';
  readonly usesReference = false;

  constructor(readonly options: SimpoOptions) {}

  compute(input: ObjectiveInput): ObjectiveOutput {
    const { beta, gamma } = this.options;

    return tf.tidy(() => {
      const reward = (logProbs: tf.Tensor1D, tokens: tf.Tensor1D) =>
        tf.mul<tf.Tensor1D>(beta, tf.div(asFloat32(logProbs), tf.maximum(asFloat32(tokens), 1)));
      const chosenRewards = reward(input.policy.chosen, input.chosenTokens);
      const rejectedRewards = reward(input.policy.rejected, input.rejectedTokens);

      const logits = tf.sub<tf.Tensor1D>(tf.sub(chosenRewards, rejectedRewards), gamma);

      return { losses: negativeLogSigmoid(logits), chosenRewards, rejectedRewards };
    });
  }
}
