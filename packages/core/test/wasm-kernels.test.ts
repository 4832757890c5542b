import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend, silentLogger, tf } from '../src/index.js';

describe('the wasm backend after selectBackend', () => {
  const initial = tf.getBackend();
  afterAll(async () => {
    await tf.setBackend(initial);
  });

  it('differentiates tf.gather: a row gets the weights of the positions reading it', async () => {
    await selectBackend('wasm', silentLogger);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 48, maxLength: 48 }),
        (rows, columns, picks, weightValues) => {
          const indices = picks.map((pick) => pick % rows);
          const weights = weightValues.slice(0, indices.length * columns);
          // d/dparams[r][c] of sum_i sum_c params[indices[i]][c] * w[i][c]
          //   = sum of w[i][c] over the i with indices[i] = r.
          const expected = Array.from({ length: rows }, (_, r) =>
            Array.from({ length: columns }, (_, c) =>
              indices.reduce(
                (sum, index, i) => sum + (index === r ? (weights[i * columns + c] ?? 0) : 0),
                0,
              ),
            ),
          );

          const gradient = tf.tidy(() => {
            const params = tf.zeros([rows, columns]);
            const w = tf.tensor2d(weights, [indices.length, columns]);
            const f = (p: tf.Tensor) =>
              tf.sum(tf.mul(tf.gather(p, tf.tensor1d(indices, 'int32')), w));
            return tf.grad(f)(params).arraySync();
          });
          expect(gradient).toEqual(expected);
        },
      ),
    );
  });
});
