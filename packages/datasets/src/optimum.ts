import { logSoftmax } from './log-softmax.js';

/**
 * The distribution over one prompt's completions that maximises the H-DPO
 * objective (and, at alpha = 1, the DPO objective):
 *
 *   pi*(y) = pi_ref(y)^(1/alpha) * exp(r(y) / (alpha * beta)) / Z
 *
 * That is a softmax of (log pi_ref + r / beta) / alpha: alpha acts as a
 * temperature on the DPO optimum, so alpha < 1 sharpens it (lower entropy)
 * and alpha > 1 flattens it. Computed in log space with log-sum-exp, so
 * large rewards or a small alpha * beta do not overflow.
 *
 * `referenceLogProbs` are log pi_ref, `rewards` the true rewards, one per
 * completion; alpha and beta must be finite and > 0.
 */
export function optimalDistribution(
  referenceLogProbs: readonly number[],
  rewards: readonly number[],
  alpha: number,
  beta: number,
): number[] {
  if (!(alpha > 0 && Number.isFinite(alpha)) || !(beta > 0 && Number.isFinite(beta))) {
    throw new RangeError(`alpha and beta must be finite and > 0, got ${alpha} and ${beta}`);
  }
  if (referenceLogProbs.length !== rewards.length) {
    throw new RangeError(
      `${referenceLogProbs.length} reference log-probs but ${rewards.length} rewards`,
    );
  }

  const scores = referenceLogProbs.map(
    (logProb, index) => logProb / alpha + (rewards[index] as number) / (alpha * beta),
  );
  return logSoftmax(scores).map(Math.exp);
}
