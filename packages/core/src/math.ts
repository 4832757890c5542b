import * as tf from '@tensorflow/tfjs';

/**
 * -log sigmoid(x), computed as softplus(-x), which stays finite for any
 * finite x (tfjs switches to x or exp(x) in the tails).
 *
 * Not tf.logSigmoid: its gradient throws inside tf.variableGrads on the cpu
 * and wasm backends of tfjs 4.22.
 */
export function negativeLogSigmoid<T extends tf.Tensor>(x: T): T {
  return tf.softplus(tf.neg(x));
}

/** Casts to float32 unless the tensor is float32 already (no copy then). */
export function asFloat32<T extends tf.Tensor>(x: T): T {
  return x.dtype === 'float32' ? x : tf.cast(x, 'float32');
}
