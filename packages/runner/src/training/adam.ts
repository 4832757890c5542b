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
  private readonly firstMoments: tf.Variable[];
  private readonly secondMoments: tf.Variable[];
  /** Steps taken so far. */
  step = 0;

  constructor(
    readonly variables: readonly tf.Variable[],
    readonly options: AdamOptions,
  ) {
    const moment = (variable: tf.Variable, suffix: string) =>
      tf.tidy(() => tf.variable(tf.zerosLike(variable), false, `${variable.name}/${suffix}`));
    this.firstMoments = variables.map((variable) => moment(variable, 'm'));
    this.secondMoments = variables.map((variable) => moment(variable, 'v'));
  }

  /** One update with `gradients[i]` for `variables[i]`, scaled by `scale` (for clipping). */
  apply(gradients: readonly tf.Tensor[], learningRate: number, scale = 1): void {
    const { beta1, beta2, epsilon, weightDecay, decoupled } = this.options;
    this.step += 1;
    const firstCorrection = 1 - beta1 ** this.step;
    const secondCorrection = 1 - beta2 ** this.step;

    tf.tidy(() => {
      this.variables.forEach((variable, i) => {
        const m = this.firstMoments[i] as tf.Variable;
        const v = this.secondMoments[i] as tf.Variable;
        let gradient = tf.mul(gradients[i] as tf.Tensor, scale);
        if (!decoupled && weightDecay > 0)
          gradient = tf.add(gradient, tf.mul(variable, weightDecay));

        const nextM = tf.add(tf.mul(m, beta1), tf.mul(gradient, 1 - beta1));
        const nextV = tf.add(tf.mul(v, beta2), tf.mul(tf.square(gradient), 1 - beta2));
        const update = tf.div(
          tf.div(nextM, firstCorrection),
          tf.add(tf.sqrt(tf.div(nextV, secondCorrection)), epsilon),
        );
        const decayed =
          decoupled && weightDecay > 0
            ? tf.mul(variable, 1 - learningRate * weightDecay)
            : variable;

        m.assign(nextM);
        v.assign(nextV);
        variable.assign(tf.sub(decayed, tf.mul(update, learningRate)));
      });
    });
  }

  /** The moment estimates, named `<variable>/m` and `<variable>/v`, for a checkpoint. */
  moments(): { name: string; tensor: tf.Tensor }[] {
    return [...this.firstMoments, ...this.secondMoments].map((tensor) => ({
      name: tensor.name,
      tensor,
    }));
  }

  /** Restores moments saved by `moments()` and the step count. */
  restore(moments: tf.NamedTensorMap, step: number): void {
    for (const moment of [...this.firstMoments, ...this.secondMoments]) {
      const saved = moments[moment.name];
      if (saved === undefined) throw new Error(`optimizer state has no ${moment.name}`);
      moment.assign(saved);
    }
    this.step = step;
  }

  dispose(): void {
    tf.dispose([...this.firstMoments, ...this.secondMoments]);
  }
}
