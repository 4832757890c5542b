import { tf } from '@prefopt/core';
import { afterEach, describe, expect, it } from 'vitest';
import { Adam } from '../../src/training/adam.js';

const variables: tf.Variable[] = [];
function scalar(value: number, name: string): tf.Variable {
  const made = tf.variable(tf.scalar(value), true, name);
  variables.push(made);
  return made;
}
afterEach(() => {
  tf.dispose(variables.splice(0));
});

const options = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupled: true };

describe('Adam', () => {
  it('takes the textbook steps', () => {
    // Gradient 2 twice, learning rate 0.1, from x = 1.
    // Step 1: m = 0.2, v = 0.004; m/(1-0.9) = 2, v/(1-0.999) = 4;
    //   x = 1 - 0.1 * 2 / (2 + 1e-8) = 0.9.
    // Step 2: m = 0.38, v = 0.007996; corrections 0.19 and 0.001999 give 2 and 4 again: x = 0.8.
    const x = scalar(1, 'adam-x');
    const adam = new Adam([x], options);
    const gradient = tf.scalar(2);
    adam.apply([gradient], 0.1);
    expect(x.dataSync()[0]).toBeCloseTo(0.9, 6);
    adam.apply([gradient], 0.1);
    expect(x.dataSync()[0]).toBeCloseTo(0.8, 6);
    gradient.dispose();
    adam.dispose();
  });

  it('decays weights apart from the gradient as AdamW, or through it as Adam', () => {
    // AdamW, weight decay 0.5, lr 0.1, gradient 2, x = 1: x = 1 * (1 - 0.05) - 0.1 * 1 = 0.85.
    // Adam with L2: the gradient becomes 2 + 0.5 = 2.5, but the first step of Adam
    // moves by lr whatever the gradient's size: x = 1 - 0.1 = 0.9.
    const decoupled = scalar(1, 'adamw-x');
    const coupled = scalar(1, 'adam-l2-x');
    const gradient = tf.scalar(2);
    const adamw = new Adam([decoupled], { ...options, weightDecay: 0.5 });
    const adam = new Adam([coupled], { ...options, weightDecay: 0.5, decoupled: false });
    adamw.apply([gradient], 0.1);
    adam.apply([gradient], 0.1);
    expect(decoupled.dataSync()[0]).toBeCloseTo(0.85, 6);
    expect(coupled.dataSync()[0]).toBeCloseTo(0.9, 6);
    gradient.dispose();
    adamw.dispose();
    adam.dispose();
  });

  it('continues exactly after its moments and step count are restored', () => {
    const gradients = [0.3, -1.2, 0.7, 2.5, -0.4].map((g) => tf.scalar(g));
    const straight = scalar(0.5, 'straight-x');
    const adam = new Adam([straight], options);
    for (const gradient of gradients) adam.apply([gradient], 0.01, 0.5);

    const first = scalar(0.5, 'first-x');
    const before = new Adam([first], options);
    for (const gradient of gradients.slice(0, 3)) before.apply([gradient], 0.01, 0.5);
    const saved: tf.NamedTensorMap = Object.fromEntries(
      before.moments().map(({ name, tensor }) => [name.replace('first-x', 'second-x'), tensor]),
    );
    const second = scalar(first.dataSync()[0] ?? 0, 'second-x');
    const after = new Adam([second], options);
    after.restore(saved, before.step);
    for (const gradient of gradients.slice(3)) after.apply([gradient], 0.01, 0.5);

    expect(second.dataSync()[0]).toBe(straight.dataSync()[0]);
    tf.dispose([...gradients, ...Object.values(saved)]);
    for (const optimizer of [adam, before, after]) optimizer.dispose();
  });

  it('updates every weight of several variables as the textbook does for one number', () => {
    // In float64 for each weight w with gradients g_t: m = 0.9 m + 0.1 g, v = 0.999 v + 0.001 g^2,
    // w -= lr (m / (1 - 0.9^t)) / (sqrt(v / (1 - 0.999^t)) + 1e-8), then decay (AdamW).
    const start = [
      [0.5, -1, 2],
      [0.25, 3, -0.75],
    ];
    const other = [1.5, -2.5];
    const matrix = tf.variable(tf.tensor2d(start), true, 'adam-matrix');
    const vector = tf.variable(tf.tensor1d(other), true, 'adam-vector');
    variables.push(matrix, vector);
    const decay = { ...options, weightDecay: 0.1 };
    const adam = new Adam([matrix, vector], decay);
    const steps = [0.3, -1.1, 0.6];
    const gradientOf = (t: number, k: number) => (steps[t] ?? 0) * (k + 1) * (k % 2 === 0 ? 1 : -1);
    for (let t = 0; t < steps.length; t++) {
      const g = tf.tidy(() => [
        tf.tensor2d(
          [0, 1, 2, 3, 4, 5].map((k) => gradientOf(t, k)),
          [2, 3],
        ),
        tf.tensor1d([6, 7].map((k) => gradientOf(t, k))),
      ]);
      adam.apply(g, 0.05);
      tf.dispose(g);
    }
    const expected = [...start.flat(), ...other].map((w0, k) => {
      let [w, m, v] = [w0, 0, 0];
      steps.forEach((_, t) => {
        const g = gradientOf(t, k);
        m = 0.9 * m + 0.1 * g;
        v = 0.999 * v + 0.001 * g * g;
        const update = m / (1 - 0.9 ** (t + 1)) / (Math.sqrt(v / (1 - 0.999 ** (t + 1))) + 1e-8);
        w = w * (1 - 0.05 * 0.1) - 0.05 * update;
      });
      return w;
    });
    const actual = [...matrix.dataSync(), ...vector.dataSync()];
    expected.forEach((w, k) => {
      expect(Math.abs((actual[k] ?? Number.NaN) - w)).toBeLessThan(1e-6);
    });
    const names = adam.moments().map(({ name, tensor }) => {
      tensor.dispose();
      return name;
    });
    expect(names).toEqual(['adam-matrix/m', 'adam-vector/m', 'adam-matrix/v', 'adam-vector/v']);
    adam.dispose();
  });
});
