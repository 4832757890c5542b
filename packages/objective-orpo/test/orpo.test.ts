import { tf } from '@prefopt/core';
import {
  evaluate,
  expectClose,
  gradients,
  type LogProbBatch,
  objectiveInput,
} from '@prefopt/testkit';
import { describe, expect, it } from 'vitest';
import { testContext } from '../../../test/support/context.js';
import orpo, { OrpoObjective } from '../src/index.js';

// With pc, pr the policy's log-probs of the chosen and rejected completions,
// nc, nr their token counts, ac = pc / nc and ar = pr / nr, and
// logodds(a) = a - log(1 - exp(a)), the expected values below follow
//   loss = -ac + lambda * log(1 + exp(-(logodds(ac) - logodds(ar))))
// computed in float64 with 1 - exp(a) written out, not through expm1.
/** Reference-free: the reference log-probs are there only to fill the batch. */
const unused = { referenceChosen: [0, 0], referenceRejected: [0, 0] };

// pair 0: pc = -10, nc = 5 (ac = -2);   pr = -15, nr = 5 (ar = -3)
// pair 1: pc = -3,  nc = 2 (ac = -1.5); pr = -1,  nr = 1 (ar = -1)
const pairs: LogProbBatch = {
  ...unused,
  policyChosen: [-10, -3],
  policyRejected: [-15, -1],
  chosenTokens: [5, 2],
  rejectedTokens: [5, 1],
};

// Mean log-probs near 0, where log(1 - exp(a)) matters most:
// pair 0: pc = -0.5, nc = 10 (ac = -0.05); pr = -3,   nr = 3 (ar = -1)
// pair 1: pc = -2,   nc = 4  (ac = -0.5);  pr = -0.2, nr = 2 (ar = -0.1)
const likelyPairs: LogProbBatch = {
  ...unused,
  policyChosen: [-0.5, -2],
  policyRejected: [-3, -0.2],
  chosenTokens: [10, 4],
  rejectedTokens: [3, 2],
};

describe('ORPO', () => {
  it('runs on a tfjs whose expm1 exists and has the gradient exp(x)', () => {
    // ORPO takes log(1 - exp(a)) as log(-expm1(a)), and trains through it.
    const [values, gradient] = tf.tidy(() => {
      const x = tf.tensor1d([-1e-6, -1, -30]);
      const expm1Sum = (t: tf.Tensor) => tf.sum(tf.expm1(t));
      return [Array.from(tf.expm1(x).dataSync()), Array.from(tf.grad(expm1Sum)(x).dataSync())];
    });
    // expm1(-1e-6) = -9.999995e-7, expm1(-1) = -0.632120559, expm1(-30) = -1 + 9.4e-14;
    // the gradient exp(x): 0.999999, 0.367879441, 9.357623e-14.
    expectClose(values ?? [], [-9.999995e-7, -0.632120559, -1], [1e-12, 1e-7, 1e-7]);
    expectClose(gradient ?? [], [0.999999, 0.367879441, 9.357623e-14], [1e-7, 1e-7, 1e-19]);
  });

  it('matches hand-derived losses and rewards', () => {
    // lambda = 0.1.
    // pair 0: log(1 - e^-2) = -0.145413458, logodds(-2) = -1.854586542;
    //   log(1 - e^-3) = -0.051069181, logodds(-3) = -2.948930819; difference 1.094344277,
    //   loss = 2 + 0.1 * log(1 + e^-1.094344277) = 2 + 0.1 * 0.288750784 = 2.028875078
    //   rewards 0.1 * -2 = -0.2 and 0.1 * -3 = -0.3
    // pair 1: log(1 - e^-1.5) = -0.252482459, logodds(-1.5) = -1.247517541;
    //   log(1 - e^-1) = -0.458675145, logodds(-1) = -0.541324855; difference -0.706192686,
    //   loss = 1.5 + 0.1 * log(1 + e^0.706192686) = 1.5 + 0.1 * 1.107328175 = 1.610732817
    //   rewards -0.15 and -0.1
    const result = evaluate(new OrpoObjective({ lambda: 0.1 }), pairs);

    expectClose(result.losses, [2.028875078, 1.610732817], 1e-6);
    expectClose(result.chosenRewards, [-0.2, -0.15], 1e-6);
    expectClose(result.rejectedRewards, [-0.3, -0.1], 1e-6);
  });

  it('matches hand-derived losses for likely completions', () => {
    // lambda = 1.
    // pair 0: log(1 - e^-0.05) = -3.020628109, logodds(-0.05) = 2.970628109;
    //   logodds(-1) = -0.541324855; difference 3.511952964,
    //   loss = 0.05 + log(1 + e^-3.511952964) = 0.05 + 0.029402075 = 0.079402075
    // pair 1: log(1 - e^-0.5) = -0.932752130, logodds(-0.5) = 0.432752130;
    //   log(1 - e^-0.1) = -2.352168461, logodds(-0.1) = 2.252168461; difference -1.819416331,
    //   loss = 0.5 + log(1 + e^1.819416331) = 0.5 + 1.969662554 = 2.469662554
    // rewards: 1 * ac and 1 * ar.
    const result = evaluate(new OrpoObjective({ lambda: 1 }), likelyPairs);

    expectClose(result.losses, [0.079402075, 2.469662554], 1e-6);
    expectClose(result.chosenRewards, [-0.05, -0.5], 1e-6);
    expectClose(result.rejectedRewards, [-1, -0.1], 1e-6);
  });

  it('needs no reference, and ignores one when given', () => {
    const objective = new OrpoObjective({ lambda: 0.1 });
    expect(objective.usesReference).toBe(false);

    // A reference of another shape would fail any use of it.
    const withReference = tf.tidy(() => {
      const { input } = objectiveInput(objective, pairs);
      const reference = {
        chosen: tf.zeros([3]) as tf.Tensor1D,
        rejected: tf.zeros([3]) as tf.Tensor1D,
      };
      return Array.from(objective.compute({ ...input, reference }).losses.dataSync());
    });
    expect(withReference).toEqual(evaluate(objective, pairs).losses);
  });

  it('falls as the chosen log-prob rises', () => {
    // d loss / d pc = (1 / nc) * (-1 - lambda * sigmoid(-d) / (1 - exp(ac))), with d the
    // log odds difference, since d logodds(a) / da = 1 / (1 - exp(a)).
    // lambda = 0.1: pair 0: (1/5) (-1 - 0.1 * 0.250801106 / 0.864664717) = -0.205801118
    //               pair 1: (1/2) (-1 - 0.1 * 0.669559338 / 0.776869840) = -0.543093405
    // lambda = 1:   pair 0: (1/10) (-1 - 0.028974040 / 0.048770575) = -0.159408853
    //               pair 1: (1/4) (-1 - 0.860496077 / 0.393469340) = -0.796736422
    const gradient = gradients(new OrpoObjective({ lambda: 0.1 }), pairs).policyChosen;
    expectClose(gradient, [-0.205801118, -0.543093405], 1e-6);

    const likely = gradients(new OrpoObjective({ lambda: 1 }), likelyPairs).policyChosen;
    expectClose(likely, [-0.159408853, -0.796736422], 1e-6);
  });

  it('caps the mean log-prob just below 0 for the odds, so probability 1 stays finite', () => {
    // pc = 0 and pc = -1e-7 (nc = 1) both cap to a = -1e-6 in the odds:
    //   logodds(-1e-6) = -1e-6 - log(1 - e^-1e-6) = 13.815510058; with pr = -1, nr = 1,
    //   logodds(-1) = -0.541324855, difference 14.356834913,
    //   log(1 + e^-14.356834913) = 5.819768e-7; lambda = 0.1:
    //   losses 0 + 5.819768e-8 and 1e-7 + 5.819768e-8 = 1.5819768e-7.
    // The cap passes no gradient, so d loss / d pc is the likelihood term's -1 / nc = -1.
    const objective = new OrpoObjective({ lambda: 0.1 });
    const certain: LogProbBatch = {
      ...unused,
      policyChosen: [0, -1e-7],
      policyRejected: [-1, -1],
      chosenTokens: [1, 1],
      rejectedTokens: [1, 1],
    };

    expectClose(evaluate(objective, certain).losses, [5.819768e-8, 1.5819768e-7], 1e-9);
    expectClose(gradients(objective, certain).policyChosen, [-1, -1], 1e-6);
  });
});

describe('the orpo plugin', () => {
  it('defaults to lambda 0.1', async () => {
    expect(orpo.options.parse({}, 'objective')).toEqual({ lambda: 0.1 });
    const objective = await orpo.create({ lambda: 0.1 }, testContext);
    expect(objective.name).toBe('orpo');
    expect(objective.usesReference).toBe(false);
  });

  it('rejects lambda <= 0, naming the field', () => {
    expect(() => orpo.options.parse({ lambda: 0 }, 'objective')).toThrow(
      'objective.lambda: must be number > 0, got 0',
    );
    expect(() => orpo.options.parse({ beta: 0.1 }, 'objective')).toThrow(
      'objective.beta: unknown option (allowed: lambda)',
    );
  });
});
