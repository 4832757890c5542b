import {
  collatePairs,
  collateSharedPairs,
  type Objective,
  type Policy,
  softLabelLosses,
  type TokenizedPair,
  type Tokenizer,
  tf,
  toTokenBatch,
} from '@prefopt/core';
import type { ReferenceLogProbs } from '@prefopt/policies';

/** Figures summed over the pairs of a batch, divided by the pair count at the end. */
export const batchFigures = [
  'loss',
  'rewards/chosen',
  'rewards/rejected',
  'rewards/accuracies',
  'rewards/margins',
  'logps/chosen',
  'logps/rejected',
  'entropy',
] as const;

/** What scores a share of a batch: the same on the main thread and on a training thread. */
export interface StepParts {
  readonly objective: Objective;
  readonly policy: Policy;
  readonly tokenizer: Tokenizer;
}

/** Some pairs, and the reference log-probs of just these pairs when the objective uses them. */
export interface Shard {
  readonly pairs: readonly TokenizedPair[];
  readonly reference?: ReferenceLogProbs;
}

/** The shard of some pairs of a run, its reference log-probs picked out by pair index. */
export function shardOf(
  all: readonly TokenizedPair[],
  indices: readonly number[],
  reference: ReferenceLogProbs | undefined,
): Shard {
  const pick = (values: Float32Array) => Float32Array.from(indices, (i) => values[i] ?? Number.NaN);
  return {
    pairs: indices.map((i) => all[i] as TokenizedPair),
    ...(reference === undefined
      ? {}
      : { reference: { chosen: pick(reference.chosen), rejected: pick(reference.rejected) } }),
  };
}

/**
 * Summed loss and figures of a shard. Call inside a tidy; the figures come
 * back as one tensor of batchFigures' length. Pairs with a soft label p count
 * p times their loss plus (1 - p) times the loss of the swapped pair.
 */
export function shardLossAndFigures(
  parts: StepParts,
  shard: Shard,
): { loss: tf.Scalar; figures: tf.Tensor1D } {
  const { pairs, reference } = shard;
  const count = pairs.length;
  // A policy that can score pairs computes each prompt once for both completions.
  const scores =
    parts.policy.scorePairs?.(collateSharedPairs(pairs, parts.tokenizer)) ??
    parts.policy.score(toTokenBatch(collatePairs(pairs, parts.tokenizer)));
  const half = (t: tf.Tensor1D, start: number) => tf.slice(t, start, count);
  const input = {
    policy: { chosen: half(scores.logProbs, 0), rejected: half(scores.logProbs, count) },
    ...(reference === undefined
      ? {}
      : {
          reference: {
            chosen: tf.tensor1d(reference.chosen),
            rejected: tf.tensor1d(reference.rejected),
          },
        }),
    chosenTokens: half(scores.tokens, 0),
    rejectedTokens: half(scores.tokens, count),
  };
  const soft = pairs.some((pair) => (pair.label ?? 1) !== 1);
  const output = soft
    ? softLabelLosses(parts.objective, input, tf.tensor1d(pairs.map((pair) => pair.label ?? 1)))
    : parts.objective.compute(input);

  const margins = tf.sub(output.chosenRewards, output.rejectedRewards);
  const rowEntropy = tf.add(half(scores.entropy, 0), half(scores.entropy, count));
  const figures = tf.stack([
    tf.sum(output.losses),
    tf.sum(output.chosenRewards),
    tf.sum(output.rejectedRewards),
    tf.sum(tf.cast(tf.greater(margins, 0), 'float32')),
    tf.sum(margins),
    tf.sum(input.policy.chosen),
    tf.sum(input.policy.rejected),
    tf.mul(tf.sum(rowEntropy), 0.5),
  ]) as tf.Tensor1D;
  return { loss: tf.sum(output.losses), figures };
}

/**
 * Gradients of a shard's summed loss divided by `pairCount` (the pairs of the
 * whole optimizer step), in the order of `variables`, and its summed figures.
 * The caller disposes the gradients.
 */
export function shardGradients(
  parts: StepParts,
  variables: readonly tf.Variable[],
  shard: Shard,
  pairCount: number,
): { gradients: tf.Tensor[]; figures: Float64Array } {
  let figures: tf.Tensor1D | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const result = shardLossAndFigures(parts, shard);
    figures = tf.keep(result.figures);
    return tf.div(result.loss, pairCount) as tf.Scalar;
  }, variables as tf.Variable[]);
  value.dispose();
  const sums = Float64Array.from(figures?.dataSync() ?? []);
  figures?.dispose();
  return {
    gradients: variables.map((variable) => grads[variable.name] as tf.Tensor),
    figures: sums,
  };
}
