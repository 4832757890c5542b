import * as tf from '@tensorflow/tfjs';
import type { Scores, TokenBatch } from './policy.js';

/**
 * Scores completions from a causal model's next-token logits. The logits at
 * position t predict the token at t + 1, so position t counts when token
 * t + 1 is a completion token. Call inside tf.tidy.
 *
 * The target log-probs are picked with a one-hot product rather than
 * tf.gather, whose gradient does not exist on the wasm backend.
 *
 * @param logits next-token logits [rows, T, V]
 * @param batch the ids and masks the logits were computed from, [rows, T]
 */
export function completionScores(logits: tf.Tensor3D, batch: TokenBatch): Scores {
  const [rows, length, vocabulary] = logits.shape;

  const predicting = tf.slice(logits, [0, 0, 0], [rows, length - 1, vocabulary]); // (B, T-1, V)
  const targets = tf.slice(batch.ids, [0, 1], [rows, length - 1]); // (B, T-1)
  const mask = tf.slice(batch.completionMask, [0, 1], [rows, length - 1]); // (B, T-1)

  const logProbs = tf.logSoftmax(predicting); // (B, T-1, V)
  const targetLogProbs = tf.sum(tf.mul(logProbs, tf.oneHot(targets, vocabulary)), -1); // (B, T-1)
  const entropies = tf.neg(tf.sum(tf.mul(tf.exp(logProbs), logProbs), -1)); // (B, T-1)
  const tokens = tf.sum<tf.Tensor1D>(mask, 1); // (B)

  return {
    logProbs: tf.sum<tf.Tensor1D>(tf.mul(targetLogProbs, mask), 1),
    tokens,
    entropy: tf.div<tf.Tensor1D>(tf.sum(tf.mul(entropies, mask), 1), tf.maximum(tokens, 1)),
  };
}
