import {
  asFloat32,
  boolean,
  type Infer,
  number,
  type Objective,
  type ObjectiveInput,
  type ObjectiveOutput,
  object,
  referenceLogProbs,
  tf,
} from '@prefopt/core';

export const ipoOptions = object({
  beta: number({
    description: 'regularisation: the loss pulls the log-ratio margin toward 1 / (2 beta)',
    greaterThan: 0,
    default: 0.1,
  }),
  lengthNormalize: boolean({
    description: 'use log-probs per completion token in the margin, as TRL does for IPO',
    default: true,
  }),
});

export type IpoOptions = Infer<typeof ipoOptions>;

/**
 * Identity Preference Optimization (Azar et al., 2023, "A General
 * Theoretical Paradigm to Understand Learning from Human Preferences").
 *
 * DPO's sigmoid loss keeps pushing the margin up even on pairs it already
 * orders, so with deterministic preferences the policy drifts far from the
 * reference whatever beta is. IPO instead regresses the log-ratio margin onto
 * a fixed target: its squared loss pushes a margin below the target up and
 * one above it down.
 * With pc, pr the policy's and rc, rr the reference's log-probs of the
 * chosen and rejected completions, and nc, nr their token counts:
 *
 *   h    = (pc - rc) / nc - (pr - rr) / nr     (lengthNormalize, the default)
 *   h    = (pc - rc) - (pr - rr)               (lengthNormalize false)
 *   loss = (h - 1 / (2 beta))^2
 *   implied rewards: beta * (pc - rc) / nc and beta * (pr - rr) / nr,
 *                    or without the division when lengthNormalize is false
 *
 * A smaller beta sets a larger target margin, so it holds the policy less
 * tightly to the reference (the paper calls this parameter tau). Matches
 * TRL's "ipo" loss, which averages the log-probs over tokens;
 * lengthNormalize false is the paper's summed form.
 * Token counts below 1 count as 1.
 *
 * Options: beta > 0 (default 0.1); lengthNormalize (default true).
 */
export class IpoObjective implements Objective {
  readonly name = 'ipo';
  readonly usesReference = true;

  constructor(readonly options: IpoOptions) {}

  compute(input: ObjectiveInput): ObjectiveOutput {
    const { beta, lengthNormalize } = this.options;

    return tf.tidy(() => {
      const logProbs = referenceLogProbs(this.name, input);
      // Policy and reference share the token count, so dividing their difference
      // is the difference of their per-token log-probs, with one rounding fewer.
      const perToken = (logRatio: tf.Tensor1D, tokens: tf.Tensor1D) =>
        lengthNormalize
          ? tf.div<tf.Tensor1D>(logRatio, tf.maximum(asFloat32(tokens), 1))
          : logRatio;
      const chosenLogRatio = perToken(
        tf.sub(logProbs.policyChosen, logProbs.referenceChosen),
        input.chosenTokens,
      );
      const rejectedLogRatio = perToken(
        tf.sub(logProbs.policyRejected, logProbs.referenceRejected),
        input.rejectedTokens,
      );

      const margin = tf.sub<tf.Tensor1D>(chosenLogRatio, rejectedLogRatio);
      const losses = tf.square(tf.sub<tf.Tensor1D>(margin, 1 / (2 * beta)));

      return {
        losses,
        chosenRewards: tf.mul<tf.Tensor1D>(beta, chosenLogRatio),
        rejectedRewards: tf.mul<tf.Tensor1D>(beta, rejectedLogRatio),
      };
    });
  }
}
