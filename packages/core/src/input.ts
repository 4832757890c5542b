import * as tf from '@tensorflow/tfjs';
import { asFloat32 } from './math.js';
import type { ObjectiveInput, PairLogProbs } from './objective.js';

/** The four log-prob vectors of a reference-based objective, as float32 [pairs]. */
export interface LogProbVectors {
  readonly policyChosen: tf.Tensor1D;
  readonly policyRejected: tf.Tensor1D;
  readonly referenceChosen: tf.Tensor1D;
  readonly referenceRejected: tf.Tensor1D;
}

function checkPairs(objective: string, label: string, pairs: PairLogProbs, size: number): void {
  for (const side of ['chosen', 'rejected'] as const) {
    const shape = pairs[side].shape;
    if (shape.length !== 1 || shape[0] !== size) {
      throw new Error(
        `${objective}: ${label}.${side} must have shape [${size}] like policy.chosen, ` +
          `got [${shape.join(', ')}]`,
      );
    }
  }
}

/**
 * Checks the input of an objective that needs a reference and returns its
 * log-probs as float32. Call inside tf.tidy: casts allocate.
 */
export function referenceLogProbs(objective: string, input: ObjectiveInput): LogProbVectors {
  const { policy, reference } = input;
  if (reference === undefined) {
    throw new Error(`${objective}: needs reference log-probs, but input.reference is absent`);
  }

  const size = policy.chosen.shape[0] ?? 0;
  checkPairs(objective, 'policy', policy, size);
  checkPairs(objective, 'reference', reference, size);

  return {
    policyChosen: asFloat32(policy.chosen),
    policyRejected: asFloat32(policy.rejected),
    referenceChosen: asFloat32(reference.chosen),
    referenceRejected: asFloat32(reference.rejected),
  };
}

/** An objective's implied rewards of both completions, and their difference. */
export interface ImpliedRewards {
  /** beta (alpha log pi - log pi_ref) of each chosen completion: [pairs]. */
  readonly chosenRewards: tf.Tensor1D;
  /** The same of each rejected completion: [pairs]. */
  readonly rejectedRewards: tf.Tensor1D;
  /** beta ((alpha pc - rc) - (alpha pr - rr)): the logit DPO-like losses take. */
  readonly margin: tf.Tensor1D;
}

/**
 * The rewards a reference-based objective implies, beta (alpha log pi -
 * log pi_ref), with pc, pr the policy's and rc, rr the reference's summed
 * log-probs; alpha is 1 but for H-DPO. Checks the input as
 * `referenceLogProbs` does. Call inside tf.tidy.
 */
export function impliedRewards(
  objective: string,
  input: ObjectiveInput,
  beta: number,
  alpha = 1,
): ImpliedRewards {
  const logProbs = referenceLogProbs(objective, input);
  const scaled = (x: tf.Tensor1D) => (alpha === 1 ? x : tf.mul<tf.Tensor1D>(alpha, x));
  const chosen = tf.sub<tf.Tensor1D>(scaled(logProbs.policyChosen), logProbs.referenceChosen);
  const rejected = tf.sub<tf.Tensor1D>(scaled(logProbs.policyRejected), logProbs.referenceRejected);
  return {
    chosenRewards: tf.mul<tf.Tensor1D>(beta, chosen),
    rejectedRewards: tf.mul<tf.Tensor1D>(beta, rejected),
    margin: tf.mul<tf.Tensor1D>(beta, tf.sub(chosen, rejected)),
  };
}
