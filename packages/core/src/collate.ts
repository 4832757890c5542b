import * as tf from '@tensorflow/tfjs';
import type { TokenizedPair, Tokenizer } from './data.js';
import type { PairBatch, TokenBatch } from './policy.js';

/** The special tokens a collator needs. */
export type SpecialTokens = Pick<Tokenizer, 'beginId' | 'endId' | 'paddingId'>;

/** A prompt and one completion, as token ids without special tokens. */
export interface PromptCompletion {
  readonly prompt: readonly number[];
  readonly completion: readonly number[];
}

/**
 * Padded rows on the host, ready to become a TokenBatch. Each array is
 * row-major [rows, length].
 */
export interface CollatedRows {
  readonly rows: number;
  readonly length: number;
  readonly ids: Int32Array;
  readonly completionMask: Float32Array;
  readonly attentionMask: Float32Array;
}

/** Tokens in the row of a prompt and completion: begin, prompt, completion, end. */
export function rowLength(row: PromptCompletion): number {
  return row.prompt.length + row.completion.length + 2;
}

/**
 * Lays out `[begin, ...prompt, ...completion, end]` per row, padded on the
 * right to the longest row (or to `length`, if longer). The completion mask
 * covers the completion and its end token, which the policy must learn to
 * produce; prompt, begin and padding positions are 0.
 */
export function collateRows(
  rows: readonly PromptCompletion[],
  special: SpecialTokens,
  length = 0,
): CollatedRows {
  const width = Math.max(length, ...rows.map(rowLength));
  const ids = new Int32Array(rows.length * width).fill(special.paddingId);
  const completionMask = new Float32Array(rows.length * width);
  const attentionMask = new Float32Array(rows.length * width);

  rows.forEach((row, r) => {
    const tokens = [special.beginId, ...row.prompt, ...row.completion, special.endId];
    const completionStart = 1 + row.prompt.length;
    tokens.forEach((token, t) => {
      ids[r * width + t] = token;
      attentionMask[r * width + t] = 1;
      if (t >= completionStart) completionMask[r * width + t] = 1;
    });
  });
  return { rows: rows.length, length: width, ids, completionMask, attentionMask };
}

/** The rows of a batch of pairs: every chosen row first, then every rejected row. */
export function collatePairs(
  pairs: readonly TokenizedPair[],
  special: SpecialTokens,
): CollatedRows {
  const chosen = pairs.map((pair) => ({ prompt: pair.prompt, completion: pair.chosen }));
  const rejected = pairs.map((pair) => ({ prompt: pair.prompt, completion: pair.rejected }));
  return collateRows([...chosen, ...rejected], special);
}

/** Tensors of collated rows. Allocates three tensors the caller disposes. */
export function toTokenBatch(collated: CollatedRows): TokenBatch {
  const shape: [number, number] = [collated.rows, collated.length];
  return {
    ids: tf.tensor2d(collated.ids, shape, 'int32'),
    completionMask: tf.tensor2d(collated.completionMask, shape, 'float32'),
    attentionMask: tf.tensor2d(collated.attentionMask, shape, 'float32'),
  };
}

/**
 * A batch of pairs as a PairBatch: each prompt once as `[begin, ...prompt]`,
 * and each completion as `[...completion, end]`, chosen ones first. Padding
 * is the padding token, masked out. Allocates three tensors the caller
 * disposes.
 */
export function collateSharedPairs(
  pairs: readonly TokenizedPair[],
  special: SpecialTokens,
): PairBatch {
  const count = pairs.length;
  const promptWidth = Math.max(1, ...pairs.map((pair) => pair.prompt.length + 1));
  const completions = [...pairs.map((p) => p.chosen), ...pairs.map((p) => p.rejected)];
  const completionWidth = Math.max(1, ...completions.map((c) => c.length + 1));

  const prompts = new Int32Array(count * promptWidth).fill(special.paddingId);
  pairs.forEach((pair, r) => {
    prompts.set([special.beginId, ...pair.prompt], r * promptWidth);
  });
  const ids = new Int32Array(2 * count * completionWidth).fill(special.paddingId);
  const mask = new Float32Array(2 * count * completionWidth);
  completions.forEach((completion, r) => {
    ids.set([...completion, special.endId], r * completionWidth);
    mask.fill(1, r * completionWidth, r * completionWidth + completion.length + 1);
  });
  return {
    prompts: tf.tensor2d(prompts, [count, promptWidth], 'int32'),
    promptLengths: pairs.map((pair) => pair.prompt.length + 1),
    completions: tf.tensor2d(ids, [2 * count, completionWidth], 'int32'),
    completionMask: tf.tensor2d(mask, [2 * count, completionWidth], 'float32'),
  };
}
