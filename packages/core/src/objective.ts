import type { Tensor1D } from '@tensorflow/tfjs';

/** Summed completion log-probs of a batch of pairs, each of shape [pairs]. */
export interface PairLogProbs {
  readonly chosen: Tensor1D;
  readonly rejected: Tensor1D;
}

/**
 * What an objective sees: log-probs and completion lengths, never a model.
 * All tensors have shape [pairs] and the same number of pairs.
 */
export interface ObjectiveInput {
  /** Log-probs of the completions under the policy being trained. */
  readonly policy: PairLogProbs;
  /** Log-probs under the frozen reference; absent for reference-free objectives. */
  readonly reference?: PairLogProbs;
  /** Completion token counts, for objectives that normalise by length. */
  readonly chosenTokens: Tensor1D;
  readonly rejectedTokens: Tensor1D;
}

/** Per-pair results, each of shape [pairs]. The caller owns and disposes them. */
export interface ObjectiveOutput {
  /** The loss of each pair; a trainer minimises their mean. */
  readonly losses: Tensor1D;
  /** Implied rewards of the chosen and rejected completions, for metrics. */
  readonly chosenRewards: Tensor1D;
  readonly rejectedRewards: Tensor1D;
}

/**
 * A preference-optimization objective: a pure function of log-prob tensors,
 * so it can be reused in any pipeline that can produce them.
 */
export interface Objective {
  readonly name: string;
  /** Whether `compute` needs `input.reference`. */
  readonly usesReference: boolean;
  compute(input: ObjectiveInput): ObjectiveOutput;
}
