import { type ObjectiveInput, tf } from '@prefopt/core';
import { expectClose } from '@prefopt/testkit';
import { describe, expect, it } from 'vitest';
import { testContext } from '../../../test/support/context.js';
import simpo, { SimpoObjective } from '../src/index.js';

// Pairs with pc, pr the policy's log-probs of the chosen and rejected
// completions and nc, nr their token counts:
//   pair 0: pc = -10, nc = 5 (mean -2);   pr = -15, nr = 5 (mean -3)
//   pair 1: pc = -3,  nc = 2 (mean -1.5); pr = -1,  nr = 1 (mean -1)
interface Pairs {
  readonly policyChosen: number[];
  readonly policyRejected: number[];
  readonly chosenTokens: number[];
  readonly rejectedTokens: number[];
}

const pairs: Pairs = {
  policyChosen: [-10, -3],
  policyRejected: [-15, -1],
  chosenTokens: [5, 2],
  rejectedTokens: [5, 1],
};

/** The objective's input for some pairs, with no reference. */
function inputOf(batch: Pairs, policyChosen = tf.tensor1d(batch.policyChosen)): ObjectiveInput {
  return {
    policy: { chosen: policyChosen as tf.Tensor1D, rejected: tf.tensor1d(batch.policyRejected) },
    chosenTokens: tf.tensor1d(batch.chosenTokens, 'int32'),
    rejectedTokens: tf.tensor1d(batch.rejectedTokens, 'int32'),
  };
}

function read(output: { losses: tf.Tensor; chosenRewards: tf.Tensor; rejectedRewards: tf.Tensor }) {
  return {
    losses: Array.from(output.losses.dataSync()),
    chosenRewards: Array.from(output.chosenRewards.dataSync()),
    rejectedRewards: Array.from(output.rejectedRewards.dataSync()),
  };
}

function run(objective: SimpoObjective, batch: Pairs) {
  return tf.tidy(() => read(objective.compute(inputOf(batch))));
}

/** d(sum of losses) / d(pc), per pair. */
function chosenGradient(objective: SimpoObjective, batch: Pairs): number[] {
  return tf.tidy(() => {
    const lossSum = (chosen: tf.Tensor) =>
      tf.sum(objective.compute(inputOf(batch, chosen as tf.Tensor1D)).losses);
    return Array.from(tf.grad(lossSum)(tf.tensor1d(batch.policyChosen)).dataSync());
  });
}

describe('SimPO', () => {
  it('matches hand-derived losses and rewards with the default beta and gamma', () => {
    // beta = 2, gamma = 0.5; x = beta * pc / nc - beta * pr / nr - gamma, loss = log(1 + e^-x).
    // pair 0: rewards 2 * -2 = -4 and 2 * -3 = -6; x = -4 + 6 - 0.5 = 1.5,
    //   loss = log(1 + e^-1.5) = log(1.223130160) = 0.201413278
    // pair 1: rewards 2 * -1.5 = -3 and 2 * -1 = -2; x = -3 + 2 - 0.5 = -1.5,
    //   loss = log(1 + e^1.5) = log(5.481689070) = 1.701413278
    const result = run(new SimpoObjective({ beta: 2, gamma: 0.5 }), pairs);

    expectClose(result.losses, [0.201413278, 1.701413278], 1e-6);
    expectClose(result.chosenRewards, [-4, -3], 1e-6);
    expectClose(result.rejectedRewards, [-6, -2], 1e-6);
  });

  it('matches hand-derived losses without a target margin', () => {
    // beta = 1, gamma = 0.
    // pair 0: x = -2 + 3 = 1, loss = log(1 + e^-1) = 0.313261688; rewards -2 and -3
    // pair 1: x = -1.5 + 1 = -0.5, loss = log(1 + e^0.5) = 0.974076984; rewards -1.5 and -1
    const result = run(new SimpoObjective({ beta: 1, gamma: 0 }), pairs);

    expectClose(result.losses, [0.313261688, 0.974076984], 1e-6);
    expectClose(result.chosenRewards, [-2, -1.5], 1e-6);
    expectClose(result.rejectedRewards, [-3, -1], 1e-6);
  });

  it('needs no reference, and ignores one when given', () => {
    const objective = new SimpoObjective({ beta: 2, gamma: 0.5 });
    expect(objective.usesReference).toBe(false);

    // A reference of another shape would fail any use of it.
    const withReference = tf.tidy(() =>
      read(
        objective.compute({
          ...inputOf(pairs),
          reference: { chosen: tf.zeros([3]), rejected: tf.zeros([3]) },
        }),
      ),
    );
    expect(withReference).toEqual(run(objective, pairs));
  });

  it('falls as the chosen log-prob rises', () => {
    // d loss / d pc = -(beta / nc) sigmoid(-x); beta = 2, gamma = 0.5.
    // pair 0: x = 1.5,  sigmoid(-1.5) = 0.182425524: -(2 / 5) * 0.182425524 = -0.072970210
    // pair 1: x = -1.5, sigmoid(1.5) = 0.817574476:  -(2 / 2) * 0.817574476 = -0.817574476
    const gradient = chosenGradient(new SimpoObjective({ beta: 2, gamma: 0.5 }), pairs);

    expectClose(gradient, [-0.07297021, -0.817574476], 1e-6);
  });

  it('stays finite at extreme log-probs and token counts', () => {
    // Every combination of log-probs -1e4, -1 and 0 and token counts 1 and 1e4.
    const logProbs = [-1e4, -1, 0];
    const tokens = [1, 1e4];
    const rows = logProbs.flatMap((pc) =>
      logProbs.flatMap((pr) => tokens.flatMap((nc) => tokens.map((nr) => ({ pc, pr, nc, nr })))),
    );
    const batch: Pairs = {
      policyChosen: rows.map((row) => row.pc),
      policyRejected: rows.map((row) => row.pr),
      chosenTokens: rows.map((row) => row.nc),
      rejectedTokens: rows.map((row) => row.nr),
    };
    const objective = new SimpoObjective({ beta: 10, gamma: 5 });

    const result = run(objective, batch);
    const outputs = [
      ...result.losses,
      ...result.chosenRewards,
      ...result.rejectedRewards,
      ...chosenGradient(objective, batch),
    ];
    expect(outputs).toHaveLength(4 * rows.length);
    expect(outputs.every(Number.isFinite)).toBe(true);
  });

  it('leaves no tensors behind but the outputs it returns', () => {
    const objective = new SimpoObjective({ beta: 2, gamma: 0.5 });
    const inputs = [-1, -2, 3].map((value) => tf.fill([3], value) as tf.Tensor1D);
    const [pc, pr, tokens] = inputs as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
    const before = tf.memory().numTensors;

    const output = objective.compute({
      policy: { chosen: pc, rejected: pr },
      chosenTokens: tokens,
      rejectedTokens: tokens,
    });
    expect(tf.memory().numTensors).toBe(before + 3);

    tf.dispose([output.losses, output.chosenRewards, output.rejectedRewards, ...inputs]);
    expect(tf.memory().numTensors).toBe(before - 3);
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
