import { tf } from '@prefopt/core';
import { evaluate, expectClose, gradients } from '@prefopt/testkit';
import { describe, expect, it } from 'vitest';
import { testContext } from '../../../test/support/context.js';
import robust, { RobustDpoObjective } from '../src/index.js';

// Two pairs used throughout, with pc, pr the policy's and rc, rr the
// reference's log-probs of the chosen and rejected completions:
//   pair 0: pc = -10, rc = -12, pr = -15, rr = -13   (h = 2 - (-2) = 4)
//   pair 1: pc = -3,  rc = -2,  pr = -1,  rr = -4    (h = -1 - 3 = -4)
// The expected losses are checked two ways: from the paper's form
//   ((1 - e) softplus(-z) - e softplus(z)) / (1 - 2e)
// and from softplus(-z) - e z / (1 - 2e), equal since softplus(z) - softplus(-z) = z.
const batch = {
  policyChosen: [-10, -3],
  policyRejected: [-15, -1],
  referenceChosen: [-12, -2],
  referenceRejected: [-13, -4],
};

describe('robust DPO', () => {
  it('matches hand-derived losses and rewards, negative ones included', () => {
    // beta = 0.5, e = 0.1; softplus(-2) = 0.126928011, softplus(2) = 2.126928011.
    // pair 0: z = 0.5 * 4 = 2,
    //   loss = (0.9 * 0.126928011 - 0.1 * 2.126928011) / 0.8 = -0.098457591 / 0.8
    //        = -0.123071989 = 0.126928011 - 0.1 * 2 / 0.8;  rewards 1 and -1
    // pair 1: z = -2,
    //   loss = (0.9 * 2.126928011 - 0.1 * 0.126928011) / 0.8 = 1.901542409 / 0.8
    //        = 2.376928011 = 2.126928011 + 0.25;  rewards -0.5 and 1.5
    const result = evaluate(new RobustDpoObjective({ beta: 0.5, flipRate: 0.1 }), batch);

    expectClose(result.losses, [-0.123071989, 2.376928011], 1e-6);
    expectClose(result.chosenRewards, [1, -0.5], 1e-6);
    expectClose(result.rejectedRewards, [-1, 1.5], 1e-6);
  });

  it('is DPO at flip rate 0, and DPO less e z / (1 - 2e) above it', () => {
    // beta = 0.1: z = 0.4 and -0.4; DPO gives log(1 + e^-0.4) = 0.513015252
    // and log(1 + e^0.4) = 0.913015252.
    // e = 0.25: e / (1 - 2e) = 0.5, so the losses move by -0.5 * 0.4 = -0.2 and +0.2:
    //   0.313015252 and 1.113015252.
    const plain = evaluate(new RobustDpoObjective({ beta: 0.1, flipRate: 0 }), batch);
    expectClose(plain.losses, [0.513015252, 0.913015252], 1e-6);
    expectClose(plain.chosenRewards, [0.2, -0.1], 1e-6);
    expectClose(plain.rejectedRewards, [-0.2, 0.3], 1e-6);

    const noisy = evaluate(new RobustDpoObjective({ beta: 0.1, flipRate: 0.25 }), batch);
    expectClose(noisy.losses, [0.313015252, 1.113015252], 1e-6);
  });

  it('falls as the chosen log-prob rises, at negative and positive margins alike', () => {
    // Unlike label smoothing (conservative DPO), whose slope changes sign at
    // z = log((1 - e) / e), robust DPO has d loss / dz = -sigmoid(-z) - e / (1 - 2e),
    // negative for every z, so both signs of z are tested.
    // d loss / d pc = beta * d loss / dz; beta = 0.5, e = 0.1, e / (1 - 2e) = 0.125:
    // pair 0: z = 2,  sigmoid(-2) = 0.119202922: 0.5 * -0.244202922 = -0.122101461
    // pair 1: z = -2, sigmoid(2) = 0.880797078:  0.5 * -1.005797078 = -0.502898539
    // pair 2: pc = 0, rc = -40, pr = rr = -10: h = 40, z = 20, sigmoid(-20) = 2.1e-9:
    //   0.5 * -0.125000002 = -0.0625; its loss is 2.1e-9 - 0.125 * 20 = -2.5, and it
    //   goes on falling: the loss has no lower bound.
    const objective = new RobustDpoObjective({ beta: 0.5, flipRate: 0.1 });
    const three = {
      policyChosen: [...batch.policyChosen, 0],
      policyRejected: [...batch.policyRejected, -10],
      referenceChosen: [...batch.referenceChosen, -40],
      referenceRejected: [...batch.referenceRejected, -10],
    };

    const gradient = gradients(objective, three);
    expectClose(gradient.policyChosen, [-0.122101461, -0.502898539, -0.0625], 1e-6);
    expectClose(evaluate(objective, three).losses, [-0.123071989, 2.376928011, -2.5], 1e-5);
  });

  it('says when the reference is absent', () => {
    const objective = new RobustDpoObjective({ beta: 0.1, flipRate: 0.1 });
    tf.tidy(() => {
      const two = tf.zeros([2]) as tf.Tensor1D;
      const policy = { chosen: two, rejected: two };
      expect(() => objective.compute({ policy, chosenTokens: two, rejectedTokens: two })).toThrow(
        'robust: needs reference log-probs, but input.reference is absent',
      );
    });
  });
});

describe('the robust plugin', () => {
  it('defaults to beta 0.1 and flip rate 0.1', async () => {
    expect(robust.options.parse({}, 'objective')).toEqual({ beta: 0.1, flipRate: 0.1 });
    const objective = await robust.create({ beta: 0.1, flipRate: 0.1 }, testContext);
    expect(objective.name).toBe('robust');
    expect(objective.usesReference).toBe(true);
  });

  it('rejects beta <= 0 and flip rates outside [0, 0.5), naming the field', () => {
    expect(() => robust.options.parse({ beta: 0 }, 'objective')).toThrow(
      'objective.beta: must be number > 0, got 0',
    );
    expect(() => robust.options.parse({ flipRate: 0.5 }, 'objective')).toThrow(
      'objective.flipRate: must be number in [0, 0.5), got 0.5',
    );
    expect(() => robust.options.parse({ flipRate: -0.1 }, 'objective')).toThrow(
      'objective.flipRate: must be number in [0, 0.5), got -0.1',
    );
    expect(() => robust.options.parse({ labelSmoothing: 0.1 }, 'objective')).toThrow(
      'objective.labelSmoothing: unknown option (allowed: beta, flipRate)',
    );
  });
});
