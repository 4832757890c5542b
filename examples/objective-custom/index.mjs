// DPO-Positive (DPOP; Pal et al., 2024, "Smaug: Fixing Failure Modes of
// Preference Optimisation with DPO-Positive").
//
// DPO can lower the likelihood of the chosen completion as long as the
// rejected one falls faster. DPOP adds a penalty whenever the policy's
// log-prob of the chosen completion drops below the reference's:
//
//   z    = beta * ((pc - rc) - (pr - rr) - lambda * max(0, rc - pc))
//   loss = -log sigmoid(z) = softplus(-z)
//   implied rewards: beta * (p - r), as DPO
//
// Options: beta > 0 (default 0.1); lambda >= 0 (default 50, the paper's
// value); lambda = 0 is DPO.
import { negativeLogSigmoid, number, object, referenceLogProbs, tf } from '@prefopt/core';

export const dpopOptions = object({
  beta: number({ description: 'inverse temperature, as in DPO', greaterThan: 0, default: 0.1 }),
  lambda: number({
    description: 'weight of the penalty for a chosen log-prob below the reference',
    atLeast: 0,
    default: 50,
  }),
});

export class DpopObjective {
  name = 'dpop';
  usesReference = true;

  constructor(options) {
    this.options = options;
  }

  compute(input) {
    const { beta, lambda } = this.options;
    return tf.tidy(() => {
      const p = referenceLogProbs(this.name, input);
      const chosen = tf.sub(p.policyChosen, p.referenceChosen);
      const rejected = tf.sub(p.policyRejected, p.referenceRejected);
      const penalty = tf.mul(lambda, tf.relu(tf.neg(chosen))); // lambda * max(0, rc - pc)
      const logits = tf.mul(beta, tf.sub(tf.sub(chosen, rejected), penalty));
      return {
        losses: negativeLogSigmoid(logits),
        chosenRewards: tf.mul(beta, chosen),
        rejectedRewards: tf.mul(beta, rejected),
      };
    });
  }
}

export default {
  kind: 'objective',
  name: 'dpop',
  summary: 'DPO-Positive: DPO plus a penalty when the chosen log-prob falls below the reference',
  options: dpopOptions,
  create: (options) => new DpopObjective(options),
};
