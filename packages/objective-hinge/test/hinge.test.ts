import { tf } from '@prefopt/core';
import { evaluate, expectClose, gradients } from '@prefopt/testkit';
import { describe, expect, it } from 'vitest';
import { testContext } from '../../../test/support/context.js';
import hinge, { HingeObjective } from '../src/index.js';

// Two pairs used throughout, with pc, pr the policy's and rc, rr the
// reference's log-probs of the chosen and rejected completions:
//   pair 0: pc = -10, rc = -12, pr = -15, rr = -13   (h = 2 - (-2) = 4)
//   pair 1: pc = -3,  rc = -2,  pr = -1,  rr = -4    (h = -1 - 3 = -4)
const batch = {
  policyChosen: [-10, -3],
  policyRejected: [-15, -1],
  referenceChosen: [-12, -2],
  referenceRejected: [-13, -4],
};

describe('the hinge objective', () => {
  it('matches hand-derived losses and rewards inside the margin', () => {
    // beta = 0.1: both pairs fall short of the margin 1 / beta = 10.
    // pair 0: loss = max(0, 1 - 0.1 * 4) = 0.6; rewards 0.1 * 2 = 0.2 and 0.1 * -2 = -0.2
    // pair 1: loss = max(0, 1 - 0.1 * -4) = 1.4; rewards -0.1 and 0.3
    const result = evaluate(new HingeObjective({ beta: 0.1 }), batch);

    expectClose(result.losses, [0.6, 1.4], 1e-6);
    expectClose(result.chosenRewards, [0.2, -0.1], 1e-6);
    expectClose(result.rejectedRewards, [-0.2, 0.3], 1e-6);
  });

  it('gives no loss once the margin reaches 1 / beta', () => {
    // beta = 0.5, margin 1 / beta = 2.
    // pair 0: h = 4 >= 2, loss = max(0, 1 - 2) = 0; rewards 1 and -1
    // pair 1: loss = max(0, 1 + 2) = 3; rewards -0.5 and 1.5
    const result = evaluate(new HingeObjective({ beta: 0.5 }), batch);

    expectClose(result.losses, [0, 3], 1e-6);
    expectClose(result.chosenRewards, [1, -0.5], 1e-6);
    expectClose(result.rejectedRewards, [-1, 1.5], 1e-6);
  });

  it('falls as the chosen log-prob rises until the margin is met, then stays flat', () => {
    // d loss / d pc = -beta where beta * h < 1, and 0 past the margin.
    // beta = 0.5: pair 0 (beta h = 2) has gradient 0, pair 1 (beta h = -2) has -0.5;
    // with beta = 0.1 both are inside the margin: -0.1 each.
    // The rejected log-prob moves the loss the other way: +beta inside the margin.
    const wide = gradients(new HingeObjective({ beta: 0.5 }), batch);
    expectClose(wide.policyChosen, [0, -0.5], 1e-6);
    expectClose(wide.policyRejected, [0, 0.5], 1e-6);

    const narrow = gradients(new HingeObjective({ beta: 0.1 }), batch);
    expectClose(narrow.policyChosen, [-0.1, -0.1], 1e-6);
  });

  it('says when the reference is absent', () => {
    const objective = new HingeObjective({ beta: 0.1 });
    tf.tidy(() => {
      const two = tf.zeros([2]) as tf.Tensor1D;
      const policy = { chosen: two, rejected: two };
      expect(() => objective.compute({ policy, chosenTokens: two, rejectedTokens: two })).toThrow(
        'hinge: needs reference log-probs, but input.reference is absent',
      );
    });
  });
});

describe('the hinge plugin', () => {
  it('defaults to beta 0.1', async () => {
    expect(hinge.options.parse({}, 'objective')).toEqual({ beta: 0.1 });
    const objective = await hinge.create({ beta: 0.1 }, testContext);
    expect(objective.name).toBe('hinge');
    expect(objective.usesReference).toBe(true);
  });

  it('rejects beta <= 0, naming the field', () => {
    expect(() => hinge.options.parse({ beta: 0 }, 'objective')).toThrow(
      'objective.beta: must be number > 0, got 0',
    );
    expect(() => hinge.options.parse({ beta: -0.1 }, 'objective')).toThrow(
      'objective.beta: must be number > 0, got -0.1',
    );
    expect(() => hinge.options.parse({ margin: 1 }, 'objective')).toThrow(
      'objective.margin: unknown option (allowed: beta)',
    );
  });
});
