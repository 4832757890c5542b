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
import simpo, { SimpoObjective } from '../src/index.js';

// Pairs with pc, pr the policy's log-probs of the chosen and rejected
// completions and nc, nr their token counts:
//   pair 0: pc = -10, nc = 5 (mean -2);   pr = -15, nr = 5 (mean -3)
//   pair 1: pc = -3,  nc = 2 (mean -1.5); pr = -1,  nr = 1 (mean -1)
/** Reference-free: the reference log-probs are there only to fill the batch. */
const unused = { referenceChosen: [0, 0], referenceRejected: [0, 0] };

const pairs: LogProbBatch = {
  ...unused,
  policyChosen: [-10, -3],
  policyRejected: [-15, -1],
  chosenTokens: [5, 2],
  rejectedTokens: [5, 1],
};

describe('SimPO', () => {
  it('matches hand-derived losses and rewards with the default beta and gamma', () => {
    // beta = 2, gamma = 0.5; x = beta * pc / nc - beta * pr / nr - gamma, loss = log(1 + e^-x).
    // pair 0: rewards 2 * -2 = -4 and 2 * -3 = -6; x = -4 + 6 - 0.5 = 1.5,
    //   loss = log(1 + e^-1.5) = log(1.223130160) = 0.201413278
    // pair 1: rewards 2 * -1.5 = -3 and 2 * -1 = -2; x = -3 + 2 - 0.5 = -1.5,
    //   loss = log(1 + e^1.5) = log(5.481689070) = 1.701413278
    const result = evaluate(new SimpoObjective({ beta: 2, gamma: 0.5 }), pairs);

    expectClose(result.losses, [0.201413278, 1.701413278], 1e-6);
    expectClose(result.chosenRewards, [-4, -3], 1e-6);
    expectClose(result.rejectedRewards, [-6, -2], 1e-6);
  });

  it('matches hand-derived losses without a target margin', () => {
    // beta = 1, gamma = 0.
    // pair 0: x = -2 + 3 = 1, loss = log(1 + e^-1) = 0.313261688; rewards -2 and -3
    // pair 1: x = -1.5 + 1 = -0.5, loss = log(1 + e^0.5) = 0.974076984; rewards -1.5 and -1
    const result = evaluate(new SimpoObjective({ beta: 1, gamma: 0 }), pairs);

    expectClose(result.losses, [0.313261688, 0.974076984], 1e-6);
    expectClose(result.chosenRewards, [-2, -1.5], 1e-6);
    expectClose(result.rejectedRewards, [-3, -1], 1e-6);
  });

  it('needs no reference, and ignores one when given', () => {
    const objective = new SimpoObjective({ beta: 2, gamma: 0.5 });
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
    // d loss / d pc = -(beta / nc) sigmoid(-x); beta = 2, gamma = 0.5.
    // pair 0: x = 1.5,  sigmoid(-1.5) = 0.182425524: -(2 / 5) * 0.182425524 = -0.072970210
    // pair 1: x = -1.5, sigmoid(1.5) = 0.817574476:  -(2 / 2) * 0.817574476 = -0.817574476
    const gradient = gradients(new SimpoObjective({ beta: 2, gamma: 0.5 }), pairs).policyChosen;

    expectClose(gradient, [-0.07297021, -0.817574476], 1e-6);
  });
});

describe('the simpo plugin', () => {
  it('defaults to beta 2 and gamma 0.5', async () => {
    expect(simpo.options.parse({}, 'objective')).toEqual({ beta: 2, gamma: 0.5 });
    const objective = await simpo.create({ beta: 2, gamma: 0.5 }, testContext);
    expect(objective.name).toBe('simpo');
    expect(objective.usesReference).toBe(false);
  });

  it('rejects beta <= 0 and gamma < 0, naming the field', () => {
    expect(() => simpo.options.parse({ beta: 0 }, 'objective')).toThrow(
      'objective.beta: must be number > 0, got 0',
    );
    expect(() => simpo.options.parse({ gamma: -0.1 }, 'objective')).toThrow(
      'objective.gamma: must be number >= 0, got -0.1',
    );
    expect(() => simpo.options.parse({ gammaBetaRatio: 0.5 }, 'objective')).toThrow(
      'objective.gammaBetaRatio: unknown option (allowed: beta, gamma)',
    );
  });
});
