import { type Objective, type ObjectiveInput, tf } from '@prefopt/core';

/** The log-probs and lengths of a batch of pairs, as plain numbers. */
export interface LogProbBatch {
  readonly policyChosen: number[];
  readonly policyRejected: number[];
  readonly referenceChosen: number[];
  readonly referenceRejected: number[];
  /** Completion token counts; 1 each when absent. */
  readonly chosenTokens?: number[];
  readonly rejectedTokens?: number[];
}

/** An objective's outputs, read back as numbers. */
export interface Evaluation {
  readonly losses: number[];
  readonly chosenRewards: number[];
  readonly rejectedRewards: number[];
}

/** d(sum of losses) / d(each log-prob input), per pair. */
export interface Gradients {
  readonly policyChosen: number[];
  readonly policyRejected: number[];
  readonly referenceChosen: number[];
  readonly referenceRejected: number[];
}

type Four = [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];

function logProbTensors(batch: LogProbBatch): Four {
  return [
    tf.tensor1d(batch.policyChosen),
    tf.tensor1d(batch.policyRejected),
    tf.tensor1d(batch.referenceChosen),
    tf.tensor1d(batch.referenceRejected),
  ];
}

/** The objective input of a batch; the reference is left out for reference-free objectives. */
function inputOf(
  objective: Objective,
  batch: LogProbBatch,
  [pc, pr, rc, rr]: Four,
): ObjectiveInput {
  const ones = batch.policyChosen.map(() => 1);
  return {
    policy: { chosen: pc, rejected: pr },
    ...(objective.usesReference ? { reference: { chosen: rc, rejected: rr } } : {}),
    // Counts as int32, as a tokenizer produces them: an objective must cast them itself.
    chosenTokens: tf.tensor1d(batch.chosenTokens ?? ones, 'int32'),
    rejectedTokens: tf.tensor1d(batch.rejectedTokens ?? ones, 'int32'),
  };
}

/**
 * The tensors of an objective's input for a batch, outside any tidy; the
 * caller disposes `tensors`.
 */
export function objectiveInput(
  objective: Objective,
  batch: LogProbBatch,
): { input: ObjectiveInput; tensors: tf.Tensor[] } {
  const input = inputOf(objective, batch, logProbTensors(batch));
  const tensors = [
    input.policy.chosen,
    input.policy.rejected,
    ...(input.reference === undefined ? [] : [input.reference.chosen, input.reference.rejected]),
    input.chosenTokens,
    input.rejectedTokens,
  ];
  return { input, tensors };
}

/** Runs an objective on a batch and reads its outputs back as numbers. */
export function evaluate(objective: Objective, batch: LogProbBatch): Evaluation {
  return tf.tidy(() => {
    const output = objective.compute(inputOf(objective, batch, logProbTensors(batch)));
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
    // Inputs an objective ignores (the reference of a reference-free one, the
    // rejected side of SFT) get a zero gradient rather than tf.grads' error.
    const lossSum = (...tensors: tf.Tensor[]) =>
      tf.add(
        tf.sum(objective.compute(inputOf(objective, batch, tensors as Four)).losses),
        tf.mul(0, tf.addN(tensors.map((t) => tf.sum(t)))),
      );
    const [pc, pr, rc, rr] = tf
      .grads(lossSum)(logProbTensors(batch))
      .map((gradient) => Array.from(gradient.dataSync()));
    return {
      policyChosen: pc ?? [],
      policyRejected: pr ?? [],
      referenceChosen: rc ?? [],
      referenceRejected: rr ?? [],
    };
  });
}

/** Asserts |actual - expected| <= tolerance elementwise, naming the index that fails. */
export function expectClose(
  actual: readonly number[],
  expected: readonly number[],
  tolerance: readonly number[] | number,
): void {
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
