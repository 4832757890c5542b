import {
  type Infer,
  impliedRewards,
  negativeLogSigmoid,
  number,
  type Objective,
  type ObjectiveInput,
  type ObjectiveOutput,
  object,
  tf,
} from '@prefopt/core';

export const robustDpoOptions = object({
  beta: number({
    description: 'inverse temperature: how strongly the policy is held near the reference',
    greaterThan: 0,
    default: 0.1,
  }),
  flipRate: number({
    description: 'assumed rate at which preference labels are flipped by noise; 0 is plain DPO',
    atLeast: 0,
    lessThan: 0.5,
    default: 0.1,
  }),
});

export type RobustDpoOptions = Infer<typeof robustDpoOptions>;

/**
 * Robust DPO (Chowdhury et al., 2024, "Provably Robust DPO: Aligning
 * Language Models with Noisy Feedback").
 *
 * If each preference label is flipped at random with rate e, the DPO loss
 * of a noisy pair is biased. Robust DPO corrects it: it weighs the loss of
 * the labelled order against that of the reversed order so that, averaged
 * over the label noise, it equals the DPO loss on clean labels. With pc, pr
 * the policy's and rc, rr the reference's summed log-probs of the chosen
 * and rejected completions:
 *
 *   z    = beta * ((pc - rc) - (pr - rr))
 *   loss = ((1 - e) * softplus(-z) - e * softplus(z)) / (1 - 2e)
 *        = softplus(-z) - e * z / (1 - 2e)      (as softplus(z) - softplus(-z) = z)
 *   implied rewards: beta * (pc - rc) and beta * (pr - rr)
 *
 * The loss can be negative: an unbiased estimator need not be a loss that is
 * positive pair by pair. Unlike label smoothing (conservative DPO), whose
 * loss is least at z = log((1 - e) / e), this loss falls for every z and has
 * no lower bound; e = 0 is plain DPO. Matches TRL's "robust" loss.
 *
 * Options: beta > 0 (default 0.1); flipRate e in [0, 0.5) (default 0.1).
 */
export class RobustDpoObjective implements Objective {
  readonly name = 'robust';
  readonly usesReference = true;

  constructor(readonly options: RobustDpoOptions) {}

  compute(input: ObjectiveInput): ObjectiveOutput {
    const { beta, flipRate } = this.options;

    return tf.tidy(() => {
      const { margin: logits, ...rewards } = impliedRewards(this.name, input, beta);

      // softplus(-z) is the loss of the labelled order, softplus(z) of the reversed one.
      const labelled = tf.mul<tf.Tensor1D>(1 - flipRate, negativeLogSigmoid(logits));
      const reversed = tf.mul<tf.Tensor1D>(flipRate, negativeLogSigmoid(tf.neg(logits)));
      const losses = tf.div<tf.Tensor1D>(tf.sub(labelled, reversed), 1 - 2 * flipRate);

      return { losses, ...rewards };
    });
  }
}
