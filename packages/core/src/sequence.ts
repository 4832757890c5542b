import * as tf from '@tensorflow/tfjs';
import type { Scores, TokenBatch } from './policy.js';

/**
 * Log-probability of each row's target under softmax(x) along the last
 * axis, and the entropy of that softmax, without `tf.exp` (a scalar loop on
 * wasm, where the softmax is vectorised). With z = x - max(x) and p =
 * softmax(z), the log-normaliser log(sum(exp(z))) is -log(max(p)), since the
 * largest z is 0; max(p) >= 1 / V, so the log never meets an underflow.
 * The gradient of the target log-prob is given by hand, (onehot - p) dy;
 * the entropy is a figure, not trained on, and gets none.
 *
 * @param x logits [..., V]
 * @param onehot the targets, one-hot [..., V]
 */
function targetLogProbsAndEntropies(
  x: tf.Tensor3D,
  onehot: tf.Tensor3D,
): { target: tf.Tensor2D; entropy: tf.Tensor2D } {
  const probs = tf.softmax(x);
  const shifted = tf.sub(x, tf.max(x, -1, true));
  const logNormaliser = tf.neg(tf.log(tf.max(probs, -1)));
  const entropy = tf.sub(logNormaliser, tf.sum(tf.mul(probs, shifted), -1)) as tf.Tensor2D;
  const targetOf = tf.customGrad((...args) => {
    // The forward pass runs in its own tidy: what the gradient needs is saved.
    (args[1] as tf.GradSaveFunc)([onehot, probs]);
    const value = tf.sub(tf.sum(tf.mul(shifted, onehot), -1), logNormaliser);
    return {
      value,
      gradFunc: (dy, [target, p]) =>
        tf.mul(tf.sub(target as tf.Tensor, p as tf.Tensor), tf.expandDims(dy, -1)),
    };
  });
  return { target: targetOf(x) as tf.Tensor2D, entropy };
}

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
  return targetScores(predicting, targets, mask);
}

/**
 * Scores rows from logits already aligned with their targets: the logits at
 * position t predict `targets` at t, which counts where `mask` is 1. Call
 * inside tf.tidy.
 *
 * @param logits [rows, T, V]
 * @param targets int32 token ids [rows, T]
 * @param mask float32 [rows, T]
 */
export function targetScores(logits: tf.Tensor3D, targets: tf.Tensor2D, mask: tf.Tensor2D): Scores {
  const vocabulary = logits.shape[2];
  // Cast once here: a float32 oneHot is wrong on wasm (int32 bits read as floats).
  const onehot = tf.cast(tf.oneHot(targets, vocabulary), 'float32') as tf.Tensor3D; // (B, T, V)
  const scored = targetLogProbsAndEntropies(logits, onehot);
  const tokens = tf.sum<tf.Tensor1D>(mask, 1); // (B)
  return {
    logProbs: tf.sum<tf.Tensor1D>(tf.mul(scored.target, mask), 1),
    tokens,
    entropy: tf.div<tf.Tensor1D>(tf.sum(tf.mul(scored.entropy, mask), 1), tf.maximum(tokens, 1)),
  };
}
