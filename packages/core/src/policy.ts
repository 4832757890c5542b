import type { Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs';

/**
 * Padded token ids of prompt and completion rows. Each row is one sequence,
 * [rows, length]; masks are 1 where the position holds a real token.
 */
export interface TokenBatch {
  readonly ids: Tensor2D;
  /** 1 at completion tokens, 0 at prompt and padding positions. */
  readonly completionMask: Tensor2D;
  /** 1 at prompt and completion tokens, 0 at padding. */
  readonly attentionMask: Tensor2D;
}

/** What a policy reports for a batch, each of shape [rows]. */
export interface Scores {
  /** Log-prob of each completion given its prompt, summed over its tokens. */
  readonly logProbs: Tensor1D;
  /** Number of completion tokens in each row. */
  readonly tokens: Tensor1D;
  /** Mean per-token entropy of the policy over each completion. */
  readonly entropy: Tensor1D;
}

export interface SampleOptions {
  /** Most completion tokens to generate per prompt. */
  readonly maxTokens: number;
  /** Softmax temperature; 0 means greedy decoding. */
  readonly temperature: number;
  /** Sample only among the k most likely tokens; absent means all tokens. */
  readonly topK?: number;
  /** Seed for the sampler, so that a run can be repeated. */
  readonly seed?: number;
}

/** A trainable model of completions given prompts. */
export interface Policy {
  readonly variables: readonly Variable[];
  score(batch: TokenBatch): Scores;
  /** A frozen copy with its own weights: the reference model. */
  snapshot(): Policy;
  /** Completion token ids for each prompt row of `prompts`. */
  sample(prompts: TokenBatch, options: SampleOptions): number[][];
}
