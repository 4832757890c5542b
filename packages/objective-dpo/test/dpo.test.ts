import { tf } from '@prefopt/core';
import { evaluate, expectClose } from '@prefopt/testkit';
import { describe, expect, it } from 'vitest';
import { testContext } from '../../../test/support/context.js';
import dpo, { DpoObjective } from '../src/index.js';

// Two pairs used throughout, with pc, pr the policy's and rc, rr the
// reference's log-probs of the chosen and rejected completions:
//   pair 0: pc = -10, rc = -12, pr = -15, rr = -13
//   pair 1: pc = -3,  rc = -2,  pr = -1,  rr = -4
const batch = {
  policyChosen: [-10, -3],
  policyRejected: [-15, -1],
  referenceChosen: [-12, -2],
  referenceRejected: [-13, -4],
};

describe('DPO', () => {
  it('matches hand-derived losses and rewards', () => {
    // beta = 0.1.
    // pair 0: log-ratios 2 and -2, z = 0.1 * 4 = 0.4,
    //   loss = log(1 + e^-0.4) = log(1.670320046) = 0.513015252
    //   rewards 0.1 * 2 = 0.2 and 0.1 * -2 = -0.2
    // pair 1: log-ratios -1 and 3, z = 0.1 * -4 = -0.4,
    //   loss = log(1 + e^0.4) = log(2.491824698) = 0.913015252
    //   rewards -0.1 and 0.3
    const result = evaluate(new DpoObjective({ beta: 0.1, labelSmoothing: 0 }), batch);

    expectClose(result.losses, [0.513015252, 0.913015252], 1e-6);
    expectClose(result.chosenRewards, [0.2, -0.1], 1e-6);
    expectClose(result.rejectedRewards, [-0.2, 0.3], 1e-6);
  });

  it('matches hand-derived losses with label smoothing', () => {
    // beta = 0.5, e = 0.1.
    // pair 0: z = 0.5 * 4 = 2; log(1 + e^-2) = 0.126928011, log(1 + e^2) = 2.126928011,
    //   loss = 0.9 * 0.126928011 + 0.1 * 2.126928011 = 0.326928011
    // pair 1: z = -2, so the two terms swap:
    //   loss = 0.9 * 2.126928011 + 0.1 * 0.126928011 = 1.926928011
    const result = evaluate(new DpoObjective({ beta: 0.5, labelSmoothing: 0.1 }), batch);

    expectClose(result.losses, [0.326928011, 1.926928011], 1e-6);
    expectClose(result.chosenRewards, [1, -0.5], 1e-6);
    expectClose(result.rejectedRewards, [-1, 1.5], 1e-6);
  });

  it('says what is wrong with malformed input', () => {
    const objective = new DpoObjective({ beta: 0.1, labelSmoothing: 0 });
    tf.tidy(() => {
      const two = tf.zeros([2]) as tf.Tensor1D;
      const three = tf.zeros([3]) as tf.Tensor1D;
      const policy = { chosen: two, rejected: two };

      expect(() => objective.compute({ policy, chosenTokens: two, rejectedTokens: two })).toThrow(
        'dpo: needs reference log-probs, but input.reference is absent',
      );
      expect(() =>
        objective.compute({
          policy,
          reference: { chosen: two, rejected: three },
          chosenTokens: two,
          rejectedTokens: two,
        }),
      ).toThrow('dpo: reference.rejected must have shape [2] like policy.chosen, got [3]');
    });
  });
});

describe('the dpo plugin', () => {
  it('defaults to beta 0.1 without label smoothing', async () => {
    expect(dpo.options.parse({}, 'objective')).toEqual({ beta: 0.1, labelSmoothing: 0 });
    expect((await dpo.create({ beta: 0.2, labelSmoothing: 0 }, testContext)).name).toBe('dpo');
  });

  it('rejects beta <= 0 and label smoothing outside [0, 0.5), naming the field', () => {
    expect(() => dpo.options.parse({ beta: 0 }, 'objective')).toThrow(
      'objective.beta: must be number > 0, got 0',
    );
    expect(() => dpo.options.parse({ labelSmoothing: 0.5 }, 'objective')).toThrow(
      'objective.labelSmoothing: must be number in [0, 0.5), got 0.5',
    );
    expect(() => dpo.options.parse({ alpha: 0.9 }, 'objective')).toThrow(
      'objective.alpha: unknown option (allowed: beta, labelSmoothing)',
    );
  });
});
