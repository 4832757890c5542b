import type { Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs';

/**
 * Rows of token ids, each `[begin, ...prompt, ...completion, end]` padded on
 * the right to a common length T. All three tensors are [rows, T].
 */
export interface TokenBatch {
  /** int32 token ids. */
  readonly ids: Tensor2D;
  /** float32, 1 at completion tokens (the end token included), 0 at prompt and padding. */
  readonly completionMask: Tensor2D;
  /** float32, 1 at real tokens, 0 at padding. */
  readonly attentionMask: Tensor2D;
}

/**
 * Preference pairs laid out so a policy can compute each prompt once for
 * both of its completions. Row r of the completions belongs to pair r mod
 * `prompts.shape[0]`: every chosen completion first, then every rejected one.
 */
export interface PairBatch {
  /** int32 `[begin, ...prompt]` per pair, padded on the right: [pairs, P]. */
  readonly prompts: Tensor2D;
  /** Tokens of each pair's `[begin, ...prompt]`. */
  readonly promptLengths: readonly number[];
  /** int32 `[...completion, end]` per row, padded on the right: [2 pairs, C]. */
  readonly completions: Tensor2D;
  /** float32, 1 at completion tokens (the end token included), 0 at padding: [2 pairs, C]. */
  readonly completionMask: Tensor2D;
}

/** What a policy reports for a batch, each of shape [rows]. */
export interface Scores {
  /** Log-prob of each completion given its prompt, summed over its tokens. */
  readonly logProbs: Tensor1D;
  /** Number of completion tokens in each row. */
  readonly tokens: Tensor1D;
  /** Mean per-token entropy (nats) of the policy over each completion. */
  readonly entropy: Tensor1D;
}

export interface SampleOptions {
  /** Most completion tokens to generate per prompt, the end token included. */
  readonly maxTokens: number;
  /** Softmax temperature; 0 means greedy decoding. */
  readonly temperature: number;
  /** Sample only among the k most likely tokens; absent means all tokens. */
  readonly topK?: number;
  /** Seed for the sampler, so that a run can be repeated. */
  readonly seed: number;
}

/** A trainable model of completions given prompts. */
export interface Policy {
  readonly vocabularySize: number;
  /** The longest row (begin token to end token) the policy can score. */
  readonly contextLength: number;
  readonly variables: readonly Variable[];
  /**
   * Scores each row's completion given its prompt. Prompt and padding
   * positions contribute nothing. The caller disposes the results.
   */
  score(batch: TokenBatch): Scores;
  /**
   * Optional: scores both completions of each pair with the prompt computed
   * once. Must equal `score` of the pairs' rows (chosen rows, then rejected
   * ones) up to float rounding; the trainer uses it when present.
   */
  scorePairs?(batch: PairBatch): Scores;
  /** A frozen copy with its own weights: the reference model. */
  snapshot(): Policy;
  /**
   * Completion token ids for each prompt: a row's tokens up to and including
   * the end token, or `maxTokens` tokens. `prompts` are token ids without
   * begin or end tokens.
   */
  sample(prompts: readonly (readonly number[])[], options: SampleOptions): number[][];
  /** Releases the policy's variables. */
  dispose(): void;
}
