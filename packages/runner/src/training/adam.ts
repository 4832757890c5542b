import { tf } from '@prefopt/core';

export interface AdamOptions {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  /** Decoupled weight decay (AdamW, Loshchilov and Hutter), not decay added to the gradient. */
  readonly decoupled: boolean;
}

/**
 * Adam and AdamW over a fixed list of variables. Written here rather than
 * taken from tf.train because a checkpoint must restore it exactly: its
 * bias corrections are computed from the step count in float64, so a
 * resumed run takes the same steps as one never interrupted (tf.train.adam
 * keeps running float32 products that a restore recomputes differently),
 * and the learning rate is an argument of each step, for schedules.
 */
export class Adam {
  /** Both moments of every variable, end to end in variable order: one flat vector each. */
  private readonly firstMoments: tf.Variable;
  private readonly secondMoments: tf.Variable;
  private readonly sizes: number[];
  /** Steps taken so far. */
  step = 0;

  constructor(
    readonly variables: readonly tf.Variable[],
    readonly options: AdamOptions,
  ) {
    this.sizes = variables.map((variable) => variable.size);
    const total = this.sizes.reduce((a, b) => a + b, 0);
    this.firstMoments = tf.tidy(() => tf.variable(tf.zeros([total]), false));
    this.secondMoments = tf.tidy(() => tf.variable(tf.zeros([total]), false));
  }

  /** The variables, or tensors shaped like them, end to end as one vector. */
  private flat(tensors: readonly tf.Tensor[]): tf.Tensor1D {
    return tf.concat(tensors.map((t) => tf.reshape(t, [-1]))) as tf.Tensor1D;
  }

  /**
   * A flat vector cut back into tensors shaped like the variables. Read back
   * and cut on the host: on wasm, tf.split and tf.slice of a long vector take
   * 100 to 200 ns a value, a copy out and back in about 1.
   */
  private parts(vector: tf.Tensor): tf.Tensor[] {
    const values = vector.dataSync() as Float32Array;
    let offset = 0;
    return this.variables.map((variable) => {
      const part = values.subarray(offset, offset + variable.size);
      offset += variable.size;
      return tf.tensor(part, variable.shape, 'float32');
    });
  }

  /**
   * One update with `gradients[i]` for `variables[i]`, scaled by `scale` (for
   * clipping). The update is elementwise, so it runs on all the variables end
   * to end: a dozen kernels a step instead of a dozen per variable, with the
   * same value for every weight.
   */
  apply(gradients: readonly tf.Tensor[], learningRate: number, scale = 1): void {
    const { beta1, beta2, epsilon, weightDecay, decoupled } = this.options;
    this.step += 1;
    const firstCorrection = 1 - beta1 ** this.step;
    const secondCorrection = 1 - beta2 ** this.step;

    tf.tidy(() => {
      const m = this.firstMoments;
      const v = this.secondMoments;
      const weights = this.flat(this.variables);
      let gradient = tf.mul(this.flat(gradients), scale);
      if (!decoupled && weightDecay > 0) gradient = tf.add(gradient, tf.mul(weights, weightDecay));

      const nextM = tf.add(tf.mul(m, beta1), tf.mul(gradient, 1 - beta1));
      const nextV = tf.add(tf.mul(v, beta2), tf.mul(tf.square(gradient), 1 - beta2));
      const update = tf.div(
        tf.div(nextM, firstCorrection),
        tf.add(tf.sqrt(tf.div(nextV, secondCorrection)), epsilon),
      );
      const decayed =
        decoupled && weightDecay > 0 ? tf.mul(weights, 1 - learningRate * weightDecay) : weights;

      m.assign(nextM);
      v.assign(nextV);
      const next = this.parts(tf.sub(decayed, tf.mul(update, learningRate)));
      this.variables.forEach((variable, i) => {
        variable.assign(next[i] as tf.Tensor);
      });
    });
  }

  /**
   * The moment estimates, named `<variable>/m` and `<variable>/v`, for a
   * checkpoint. New tensors: the caller disposes them.
   */
  moments(): { name: string; tensor: tf.Tensor }[] {
    const named = (vector: tf.Variable, suffix: string) =>
      this.parts(vector).map((tensor, i) => ({
        name: `${this.variables[i]?.name}/${suffix}`,
        tensor,
      }));
    return [...named(this.firstMoments, 'm'), ...named(this.secondMoments, 'v')];
  }

  /** Restores moments saved by `moments()` and the step count. */
  restore(moments: tf.NamedTensorMap, step: number): void {
    const saved = (suffix: string) =>
      this.variables.map((variable) => {
        const name = `${variable.name}/${suffix}`;
        const tensor = moments[name];
        if (tensor === undefined) throw new Error(`optimizer state has no ${name}`);
        return tensor;
      });
    tf.tidy(() => {
      this.firstMoments.assign(this.flat(saved('m')));
      this.secondMoments.assign(this.flat(saved('v')));
    });
    this.step = step;
  }

  dispose(): void {
    tf.dispose([this.firstMoments, this.secondMoments]);
  }
}
