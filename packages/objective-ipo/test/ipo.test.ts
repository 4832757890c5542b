import { tf } from '@prefopt/core';
import { evaluate, expectClose, gradients, type LogProbBatch } from '@prefopt/testkit';
import { describe, expect, it } from 'vitest';
import { testContext } from '../../../test/support/context.js';
import ipo, { IpoObjective } from '../src/index.js';

// Pairs with pc, pr the policy's and rc, rr the reference's log-probs of the
// chosen and rejected completions, and nc, nr their token counts:
//   pair 0: pc = -10, rc = -12, nc = 5; pr = -15, rr = -13, nr = 5
//   pair 1: pc = -3,  rc = -2,  nc = 2; pr = -1,  rr = -4,  nr = 1
const pairs: LogProbBatch = {
  policyChosen: [-10, -3],
  policyRejected: [-15, -1],
  referenceChosen: [-12, -2],
  referenceRejected: [-13, -4],
  chosenTokens: [5, 2],
  rejectedTokens: [5, 1],
};

describe('IPO', () => {
  it('matches hand-derived values with length normalisation (the default)', () => {
    // beta = 0.5, so the target margin is 1 / (2 * 0.5) = 1.
    // pair 0: (pc - rc) / nc = 2 / 5 = 0.4, (pr - rr) / nr = -2 / 5 = -0.4, h = 0.8,
    //   loss = (0.8 - 1)^2 = 0.04; rewards 0.5 * 0.4 = 0.2 and 0.5 * -0.4 = -0.2
    // pair 1: (pc - rc) / nc = -1 / 2 = -0.5, (pr - rr) / nr = 3 / 1 = 3, h = -3.5,
    //   loss = (-3.5 - 1)^2 = 20.25; rewards -0.25 and 1.5
    const result = evaluate(new IpoObjective({ beta: 0.5, lengthNormalize: true }), pairs);

    expectClose(result.losses, [0.04, 20.25], 1e-5);
    expectClose(result.chosenRewards, [0.2, -0.25], 1e-6);
    expectClose(result.rejectedRewards, [-0.2, 1.5], 1e-6);
  });

  it('matches hand-derived values on summed log-probs, ignoring token counts', () => {
    // beta = 0.25, lengthNormalize false: the target margin is 1 / (2 * 0.25) = 2.
    // pair 0: log-ratios 2 and -2, h = 4, loss = (4 - 2)^2 = 4; rewards 0.5 and -0.5
    // pair 1: log-ratios -1 and 3, h = -4, loss = (-4 - 2)^2 = 36; rewards -0.25 and 0.75
    const result = evaluate(new IpoObjective({ beta: 0.25, lengthNormalize: false }), pairs);

    expectClose(result.losses, [4, 36], 1e-5);
    expectClose(result.chosenRewards, [0.5, -0.25], 1e-6);
    expectClose(result.rejectedRewards, [-0.5, 0.75], 1e-6);
  });

  it('falls as the chosen log-prob rises below the target margin, and rises above it', () => {
    // IPO regresses the margin onto 1 / (2 beta), so past the target a larger margin
    // costs more. d loss / d pc = 2 (h - 1 / (2 beta)) / nc; beta = 0.5, target 1.
    // pair 0: h = 0.8, 2 * -0.2 / 5 = -0.08.  pair 1: h = -3.5, 2 * -4.5 / 2 = -4.5.
    // pair 2: pc = -2, rc = -6, nc = 2; pr = rr = -5, nr = 1: h = 2, 2 * 1 / 2 = 1.
    const objective = new IpoObjective({ beta: 0.5, lengthNormalize: true });
    const gradient = gradients(objective, {
      policyChosen: [...pairs.policyChosen, -2],
      policyRejected: [...pairs.policyRejected, -5],
      referenceChosen: [...pairs.referenceChosen, -6],
      referenceRejected: [...pairs.referenceRejected, -5],
      chosenTokens: [...(pairs.chosenTokens ?? []), 2],
      rejectedTokens: [...(pairs.rejectedTokens ?? []), 1],
    }).policyChosen;

    expectClose(gradient, [-0.08, -4.5, 1], 1e-5);
  });

  it('says when the reference is absent', () => {
    const objective = new IpoObjective({ beta: 0.1, lengthNormalize: true });
    tf.tidy(() => {
      const two = tf.zeros([2]) as tf.Tensor1D;
      const policy = { chosen: two, rejected: two };
      expect(() => objective.compute({ policy, chosenTokens: two, rejectedTokens: two })).toThrow(
        'ipo: needs reference log-probs, but input.reference is absent',
      );
    });
  });
});

describe('the ipo plugin', () => {
  it('defaults to beta 0.1 with length normalisation', async () => {
    expect(ipo.options.parse({}, 'objective')).toEqual({ beta: 0.1, lengthNormalize: true });
    const objective = await ipo.create({ beta: 0.1, lengthNormalize: true }, testContext);
    expect(objective.name).toBe('ipo');
    expect(objective.usesReference).toBe(true);
  });

  it('rejects beta <= 0 and a lengthNormalize that is not a boolean, naming the field', () => {
    expect(() => ipo.options.parse({ beta: 0 }, 'objective')).toThrow(
      'objective.beta: must be number > 0, got 0',
    );
    expect(() => ipo.options.parse({ lengthNormalize: 'yes' }, 'objective')).toThrow(
      'objective.lengthNormalize: must be true or false, got "yes"',
    );
    expect(() => ipo.options.parse({ gamma: 1 }, 'objective')).toThrow(
      'objective.gamma: unknown option (allowed: beta, lengthNormalize)',
    );
  });
});
