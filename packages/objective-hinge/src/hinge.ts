import {
  type Infer,
  impliedRewards,
  number,
  type Objective,
  type ObjectiveInput,
  type ObjectiveOutput,
  object,
  tf,
} from '@prefopt/core';

export const hingeOptions = object({
  beta: number({
    description: 'scale of the margin: a pair stops counting once its margin reaches 1 / beta',
    greaterThan: 0,
    default: 0.1,
  }),
});

export type HingeOptions = Infer<typeof hingeOptions>;

/**
 * The hinge preference loss of SLiC (Zhao et al., 2023, "SLiC-HF: Sequence
 * Likelihood Calibration with Human Feedback") in the reference-normalised
 * form of RSO (Liu et al., 2023, "Statistical Rejection Sampling Improves
 * Preference Optimization").
 *
 * Where DPO's sigmoid loss rewards every further increase of the margin, the
 * hinge asks only that the chosen completion beat the rejected one by a
 * fixed margin; pairs past it contribute neither loss nor gradient. With
 * pc, pr the policy's and rc, rr the reference's summed log-probs of the
 * chosen and rejected completions:
 *
 *   h    = (pc - rc) - (pr - rr)
 *   loss = max(0, 1 - beta * h)
 *   implied rewards: beta * (pc - rc) and beta * (pr - rr)
 *
 * beta is the inverse of the margin asked for: a pair is satisfied once
 * h >= 1 / beta. Matches TRL's "hinge" loss.
 *
 * Options: beta > 0 (default 0.1).
 */
export class HingeObjective implements Objective {
  readonly name = 'hinge';
  readonly usesReference = true;

  constructor(readonly options: HingeOptions) {}

  compute(input: ObjectiveInput): ObjectiveOutput {
    const { beta } = this.options;

    return tf.tidy(() => {
      const { margin, ...rewards } = impliedRewards(this.name, input, beta);
      return { losses: tf.relu(tf.sub<tf.Tensor1D>(1, margin)), ...rewards };
    });
  }
}
