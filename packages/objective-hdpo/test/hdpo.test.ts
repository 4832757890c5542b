import { tf } from '@prefopt/core';
import { evaluate, expectClose } from '@prefopt/testkit';
import { describe, expect, it } from 'vitest';
import { testContext } from '../../../test/support/context.js';
import hdpo, { HdpoObjective } from '../src/index.js';

// Two pairs, with pc, pr the policy's and rc, rr the reference's log-probs
// of the chosen and rejected completions:
//   pair 0: pc = -10, rc = -12, pr = -15, rr = -13
//   pair 1: pc = -3,  rc = -2,  pr = -1,  rr = -4
const batch = {
  policyChosen: [-10, -3],
  policyRejected: [-15, -1],
  referenceChosen: [-12, -2],
  referenceRejected: [-13, -4],
};

describe('H-DPO', () => {
  it('matches hand-derived values when alpha sharpens (alpha = 0.5)', () => {
    // beta = 0.1, alpha = 0.5.
    // pair 0: a pc - rc = -5 + 12 = 7, a pr - rr = -7.5 + 13 = 5.5, z = 0.1 * 1.5 = 0.15,
    //   loss = log(1 + e^-0.15) = log(1.860707976) = 0.620957048; rewards 0.7 and 0.55
    // pair 1: a pc - rc = -1.5 + 2 = 0.5, a pr - rr = -0.5 + 4 = 3.5, z = -0.3,
    //   loss = log(1 + e^0.3) = log(2.349858808) = 0.854355244; rewards 0.05 and 0.35
    const result = evaluate(new HdpoObjective({ alpha: 0.5, beta: 0.1 }), batch);

    expectClose(result.losses, [0.620957048, 0.854355244], 1e-6);
    expectClose(result.chosenRewards, [0.7, 0.05], 1e-6);
    expectClose(result.rejectedRewards, [0.55, 0.35], 1e-6);
  });

  it('matches hand-derived values when alpha flattens (alpha = 2)', () => {
    // beta = 0.1, alpha = 2.
    // pair 0: a pc - rc = -20 + 12 = -8, a pr - rr = -30 + 13 = -17, z = 0.9,
    //   loss = log(1 + e^-0.9) = log(1.40656966) = 0.341153875; rewards -0.8 and -1.7
    // pair 1: a pc - rc = -6 + 2 = -4, a pr - rr = -2 + 4 = 2, z = -0.6,
    //   loss = log(1 + e^0.6) = log(2.8221188) = 1.03748795; rewards -0.4 and 0.2
    const result = evaluate(new HdpoObjective({ alpha: 2, beta: 0.1 }), batch);

    expectClose(result.losses, [0.341153875, 1.03748795], 1e-6);
    expectClose(result.chosenRewards, [-0.8, -0.4], 1e-6);
    expectClose(result.rejectedRewards, [-1.7, 0.2], 1e-6);
  });

  it('computes in float32 when given other dtypes', () => {
    // Integer log-probs are cast, so the hand value of pair 0 above holds.
    const losses = tf.tidy(() => {
      const ints = (values: number[]) => tf.tensor1d(values, 'int32');
      const output = new HdpoObjective({ alpha: 0.5, beta: 0.1 }).compute({
        policy: { chosen: ints([-10]), rejected: ints([-15]) },
        reference: { chosen: ints([-12]), rejected: ints([-13]) },
        chosenTokens: ints([1]),
        rejectedTokens: ints([1]),
      });
      expect(output.losses.dtype).toBe('float32');
      return Array.from(output.losses.dataSync());
    });
    expectClose(losses, [0.620957048], 1e-6);
  });
});

describe('the hdpo plugin', () => {
  it('defaults to alpha 0.9 and beta 0.1', async () => {
    expect(hdpo.options.parse({}, 'objective')).toEqual({ alpha: 0.9, beta: 0.1 });
    expect((await hdpo.create({ alpha: 1, beta: 0.1 }, testContext)).usesReference).toBe(true);
  });

  it('rejects alpha <= 0 and beta <= 0, naming the field', () => {
    expect(() => hdpo.options.parse({ alpha: 0 }, 'objective')).toThrow(
      'objective.alpha: must be number > 0, got 0',
    );
    expect(() => hdpo.options.parse({ alpha: -0.5 }, 'objective')).toThrow(
      'objective.alpha: must be number > 0, got -0.5',
    );
    expect(() => hdpo.options.parse({ beta: -1 }, 'objective')).toThrow(
      'objective.beta: must be number > 0, got -1',
    );
  });
});
