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

export const dpoOptions = object({
  beta: number({
    description: 'inverse temperature: how strongly the policy is held near the reference',
    greaterThan: 0,
    default: 0.1,
  }),
  labelSmoothing: number({
    description: 'assumed rate of flipped preference labels (conservative DPO); 0 is plain DPO',
    atLeast: 0,
    lessThan: 0.5,
    default: 0,
  }),
});

export type DpoOptions = Infer<typeof dpoOptions>;

/**
 * Direct Preference Optimization (Rafailov et al., 2023, "Direct Preference
 * Optimization: Your Language Model is Secretly a Reward Model").
 *
 * Treats beta * log(pi / pi_ref) as an implied reward and fits it to the
 * preferences with a Bradley-Terry (sigmoid) likelihood, so no reward model
 * is trained. With pc, pr the policy's and rc, rr the reference's summed
 * log-probs of the chosen and rejected completions:
 *
 *   z    = beta * ((pc - rc) - (pr - rr))
 *   loss = -log sigmoid(z)                                  (e = 0)
 *   loss = -(1 - e) log sigmoid(z) - e log sigmoid(-z)      (label smoothing e)
 *   implied rewards: beta * (pc - rc) and beta * (pr - rr)
 *
 * Label smoothing is conservative DPO (Mitchell, 2023): it assumes a fraction
 * e of labels is flipped, which bounds the margin the loss pushes toward at
 * z = log((1 - e) / e). Matches the sigmoid loss of TRL and torchtune.
 *
 * Options: beta > 0 (default 0.1); labelSmoothing in [0, 0.5) (default 0).
 */
export class DpoObjective implements Objective {
  readonly name = 'dpo';
  readonly usesReference = true;

  constructor(readonly options: DpoOptions) {}

  compute(input: ObjectiveInput): ObjectiveOutput {
    const { beta, labelSmoothing } = this.options;

    return tf.tidy(() => {
      const { margin: logits, ...rewards } = impliedRewards(this.name, input, beta);
      const fitted = negativeLogSigmoid(logits);
      const losses =
        labelSmoothing === 0
          ? fitted
          : tf.add<tf.Tensor1D>(
              tf.mul<tf.Tensor1D>(1 - labelSmoothing, fitted),
              tf.mul<tf.Tensor1D>(labelSmoothing, negativeLogSigmoid(tf.neg(logits))),
            );

      return { losses, ...rewards };
    });
  }
}
