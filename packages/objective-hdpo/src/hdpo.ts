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

export const hdpoOptions = object({
  alpha: number({
    description: 'entropy control: < 1 sharpens the policy, > 1 flattens it, 1 is DPO',
    greaterThan: 0,
    default: 0.9,
  }),
  beta: number({
    description: 'inverse temperature: how strongly the policy is held near the reference',
    greaterThan: 0,
    default: 0.1,
  }),
});

export type HdpoOptions = Infer<typeof hdpoOptions>;

/**
 * H-DPO, entropy-controllable DPO (Omura, Fujita and Kataoka, 2024,
 * "Entropy Controllable Direct Preference Optimization").
 *
 * DPO's objective is reward minus beta times the KL divergence to the
 * reference; H-DPO weights the policy's entropy inside that KL by alpha. In
 * the loss this scales the policy's log-probs by alpha. With pc, pr the
 * policy's and rc, rr the reference's summed log-probs of the chosen and
 * rejected completions:
 *
 *   z    = beta * ((alpha * pc - rc) - (alpha * pr - rr))
 *   loss = -log sigmoid(z)
 *   implied rewards: beta * (alpha * pc - rc) and beta * (alpha * pr - rr)
 *
 * Its optimum is pi*(y|x) proportional to
 * pi_ref(y|x)^(1/alpha) * exp(r(x, y) / (alpha * beta)): alpha < 1 gives a
 * sharper, more mode-seeking policy (the paper found alpha around 0.9 to 0.95
 * better for accuracy and pass@k on math and code), alpha > 1 a flatter
 * one, and alpha = 1 is exactly DPO.
 *
 * Options: alpha > 0 (default 0.9); beta > 0 (default 0.1).
 */
export class HdpoObjective implements Objective {
  readonly name = 'hdpo';
  readonly usesReference = true;

  constructor(readonly options: HdpoOptions) {}

  compute(input: ObjectiveInput): ObjectiveOutput {
    const { alpha, beta } = this.options;

    return tf.tidy(() => {
      const { margin, ...rewards } = impliedRewards(this.name, input, beta, alpha);
      return { losses: negativeLogSigmoid(margin), ...rewards };
    });
  }
}
