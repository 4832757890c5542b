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

export const orpoOptions = object({
  lambda: number({
    description: 'weight of the odds-ratio term against the likelihood of the chosen completion',
    greaterThan: 0,
    default: 0.1,
  }),
});

export type OrpoOptions = Infer<typeof orpoOptions>;

/**
 * The largest mean per-token log-prob the odds are taken of. A mean log-prob
 * of 0 is probability 1: its odds are infinite and log(1 - exp(0)) is -inf.
 * Capping it just below 0 caps the log odds near log(1e6) = 13.8.
 */
const maxMeanLogProb = -1e-6;

/** log(p / (1 - p)) of p = exp(a), from a mean log-prob a < 0, as float32 [pairs]. */
function logOdds(meanLogProb: tf.Tensor1D): tf.Tensor1D {
  const capped = tf.minimum<tf.Tensor1D>(meanLogProb, maxMeanLogProb);
  // log(1 - exp(a)) as log(-expm1(a)): 1 - exp(a) in float32 loses most of its
  // digits as a nears 0 (exp(a) rounds near 1), just where the odds change fastest.
  return tf.sub(capped, tf.log(tf.neg(tf.expm1(capped))));
}

/**
 * ORPO, Odds Ratio Preference Optimization (Hong, Lee and Thorne, 2024,
 * "ORPO: Monolithic Preference Optimization without Reference Model").
 *
 * Supervised fine-tuning and preference optimization in one loss and one
 * stage, with no reference model: the likelihood of the chosen completion,
 * plus a term that raises the odds of the chosen completion over those of
 * the rejected one. With pc, pr the policy's summed log-probs of the chosen
 * and rejected completions and nc, nr their token counts:
 *
 *   ac, ar     = pc / nc, pr / nr        (mean log-probs per token)
 *   logodds(a) = a - log(1 - exp(a))     (log of p / (1 - p) for p = exp(a))
 *   loss       = -ac - lambda * log sigmoid(logodds(ac) - logodds(ar))
 *   implied rewards: lambda * ac and lambda * ar
 *
 * lambda weighs the preference term against the likelihood; TRL's ORPO
 * trainer calls it beta. TRL averages the likelihood term over all chosen
 * tokens of a batch rather than per completion, which differs from this loss
 * when lengths differ. The likelihood term and the rewards use the mean
 * log-prob as it is; only the odds cap it just below 0 (see maxMeanLogProb).
 * Any input.reference is ignored. Token counts below 1 count as 1.
 *
 * Options: lambda > 0 (default 0.1).
 */
export class OrpoObjective implements Objective {
  readonly name = 'orpo';
  readonly usesReference = false;

  constructor(readonly options: OrpoOptions) {}

  compute(input: ObjectiveInput): ObjectiveOutput {
    const { lambda } = this.options;

    return tf.tidy(() => {
      const perToken = (logProbs: tf.Tensor1D, tokens: tf.Tensor1D) =>
        tf.div<tf.Tensor1D>(asFloat32(logProbs), tf.maximum(asFloat32(tokens), 1));
      const chosen = perToken(input.policy.chosen, input.chosenTokens);
      const rejected = perToken(input.policy.rejected, input.rejectedTokens);

      const oddsRatio = negativeLogSigmoid(tf.sub<tf.Tensor1D>(logOdds(chosen), logOdds(rejected)));
      const losses = tf.add<tf.Tensor1D>(tf.neg(chosen), tf.mul(lambda, oddsRatio));

      return {
        losses,
        chosenRewards: tf.mul<tf.Tensor1D>(lambda, chosen),
        rejectedRewards: tf.mul<tf.Tensor1D>(lambda, rejected),
      };
    });
  }
}
