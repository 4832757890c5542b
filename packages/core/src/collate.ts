import * as tf from '@tensorflow/tfjs';
import type { TokenizedPair, Tokenizer } from './data.js';
import type { TokenBatch } from './policy.js';

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
