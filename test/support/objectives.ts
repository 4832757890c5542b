import { type Objective, tf } from '@prefopt/core';
import fc from 'fast-check';

/** Summed log-probs of a batch of pairs, as plain numbers. */
export interface LogProbBatch {
  readonly policyChosen: number[];
  readonly policyRejected: number[];
  readonly referenceChosen: number[];
  readonly referenceRejected: number[];
}

export interface Evaluation {
  readonly losses: number[];
  readonly chosenRewards: number[];
  readonly rejectedRewards: number[];
}

export interface Gradients {
  /** d(sum of losses) / d(each input), per pair. */
  readonly policyChosen: number[];
  readonly policyRejected: number[];
  readonly referenceChosen: number[];
  readonly referenceRejected: number[];
}

function input(pc: tf.Tensor1D, pr: tf.Tensor1D, rc: tf.Tensor1D, rr: tf.Tensor1D) {
  return {
    policy: { chosen: pc, rejected: pr },
    reference: { chosen: rc, rejected: rr },
    chosenTokens: tf.onesLike(pc),
    rejectedTokens: tf.onesLike(pr),
  };
}

function tensors(batch: LogProbBatch): [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D] {
  return [
    tf.tensor1d(batch.policyChosen),
    tf.tensor1d(batch.policyRejected),
    tf.tensor1d(batch.referenceChosen),
    tf.tensor1d(batch.referenceRejected),
  ];
}

/** Runs an objective on a batch and reads its outputs back as numbers. */
export function evaluate(objective: Objective, batch: LogProbBatch): Evaluation {
  return tf.tidy(() => {
    const [pc, pr, rc, rr] = tensors(batch);
    const output = objective.compute(input(pc, pr, rc, rr));
    return {
      losses: Array.from(output.losses.dataSync()),
      chosenRewards: Array.from(output.chosenRewards.dataSync()),
      rejectedRewards: Array.from(output.rejectedRewards.dataSync()),
    };
  });
}

/** Gradients of the summed losses with respect to all four log-prob inputs. */
export function gradients(objective: Objective, batch: LogProbBatch): Gradients {
  return tf.tidy(() => {
    const lossSum = (pc: tf.Tensor, pr: tf.Tensor, rc: tf.Tensor, rr: tf.Tensor) =>
      tf.sum(
        objective.compute(
          input(pc as tf.Tensor1D, pr as tf.Tensor1D, rc as tf.Tensor1D, rr as tf.Tensor1D),
        ).losses,
      );
    const [pc, pr, rc, rr] = tf
      .grads(lossSum)(tensors(batch))
      .map((gradient) => Array.from(gradient.dataSync()));
    return {
      policyChosen: pc ?? [],
      policyRejected: pr ?? [],
      referenceChosen: rc ?? [],
      referenceRejected: rr ?? [],
    };
  });
}

/** A float32 log-prob of a completion: from -1e4 (very unlikely) to 0. */
export const logProb = fc.float({ min: -1e4, max: 0, noNaN: true }).map(Math.fround);

/** A batch of 1 to 8 pairs of policy and reference log-probs. */
export const logProbBatch: fc.Arbitrary<LogProbBatch> = fc
  .array(fc.tuple(logProb, logProb, logProb, logProb), { minLength: 1, maxLength: 8 })
  .map((rows) => ({
    policyChosen: rows.map((row) => row[0]),
    policyRejected: rows.map((row) => row[1]),
    referenceChosen: rows.map((row) => row[2]),
    referenceRejected: rows.map((row) => row[3]),
  }));

/** beta over the range people use, from 0.001 to 10. */
export const beta = fc.double({ min: 1e-3, max: 10, noNaN: true });

/** alpha from 0.05 to 4: sharpening through flattening. */
export const alpha = fc.double({ min: 0.05, max: 4, noNaN: true });

/** Asserts |actual - expected| <= tolerance elementwise, naming the index that fails. */
export function expectClose(actual: number[], expected: number[], tolerance: number[] | number) {
  if (actual.length !== expected.length) {
    throw new Error(`lengths differ: ${actual.length} and ${expected.length}`);
  }
  actual.forEach((value, index) => {
    const allowed = typeof tolerance === 'number' ? tolerance : (tolerance[index] ?? 0);
    const expectedValue = expected[index] ?? Number.NaN;
    if (!(Math.abs(value - expectedValue) <= allowed)) {
      throw new Error(
        `at ${index}: ${value} differs from ${expectedValue} by more than ${allowed}`,
      );
    }
  });
}
