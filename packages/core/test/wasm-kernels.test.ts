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

/** a b in float64 by the definition, for [batch, rows, inner] and [batch, inner, columns]. */
function reference(a: number[][][], b: number[][][]) {
  const batch = Math.max(a.length, b.length);
  const out: { value: number; magnitude: number }[][][] = [];
  for (let i = 0; i < batch; i++) {
    const x = a[a.length === 1 ? 0 : i] ?? [];
    const w = b[b.length === 1 ? 0 : i] ?? [];
    out.push(
      x.map((row) =>
        (w[0] ?? []).map((_, c) => {
          let value = 0;
          let magnitude = 0;
          row.forEach((v, k) => {
            value += v * (w[k]?.[c] ?? 0);
            magnitude += Math.abs(v * (w[k]?.[c] ?? 0));
          });
          return { value, magnitude };
        }),
      ),
    );
  }
  return out;
}

const transposed = (m: number[][]) => (m[0] ?? []).map((_, c) => m.map((row) => row[c] ?? 0));

describe('matrix products on wasm', () => {
  const initial = tf.getBackend();
  afterAll(async () => {
    await tf.setBackend(initial);
  });

  const matrices = (count: number, rows: number, columns: number) =>
    fc.array(
      fc.array(
        fc.array(fc.integer({ min: -64, max: 64 }), { minLength: columns, maxLength: columns }),
        {
          minLength: rows,
          maxLength: rows,
        },
      ),
      { minLength: count, maxLength: count },
    );
  const product = fc
    .record({
      batch: fc.constantFrom(1, 2, 5),
      // Which operand, if either, is a single matrix shared by the whole batch.
      shared: fc.constantFrom('none', 'a', 'b'),
      rows: fc.integer({ min: 1, max: 40 }),
      inner: fc.integer({ min: 1, max: 40 }),
      columns: fc.integer({ min: 1, max: 40 }),
      transposeA: fc.boolean(),
      transposeB: fc.boolean(),
      rank4: fc.boolean(),
      // A single matrix kept as [1, r, c] rather than [r, c]: broadcast on the batch axis.
      keepRank: fc.boolean(),
    })
    .chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        a: matrices(shape.shared === 'a' ? 1 : shape.batch, shape.rows, shape.inner),
        b: matrices(shape.shared === 'b' ? 1 : shape.batch, shape.inner, shape.columns),
      }),
    );

  it('equal the products by definition, transposed, batched and broadcast', async () => {
    await selectBackend('wasm', silentLogger);
    fc.assert(
      fc.property(product, ({ shape, a, b }) => {
        const { transposeA, transposeB, rank4, keepRank, batch } = shape;
        // Stored as the kernel is asked to read them: transposed where it transposes.
        const stored = (m: number[][][], flip: boolean) => (flip ? m.map(transposed) : m);
        const tensor = (m: number[][][], flip: boolean) => {
          const values = stored(m, flip);
          const t = tf.tensor3d(values);
          if (!rank4 || m.length !== batch || batch === 1)
            return m.length === 1 && !keepRank ? t.squeeze([0]) : t;
          return t.reshape([1, batch, ...t.shape.slice(1)]);
        };
        const actual = tf.tidy(() =>
          tf
            .matMul(tensor(a, transposeA), tensor(b, transposeB), transposeA, transposeB)
            .dataSync(),
        );
        const expected = reference(a, b).flat(2);
        expect(actual.length).toBe(expected.length);
        expected.forEach(({ value, magnitude }, i) => {
          // Integers below 2^24 with sums below 2^24 are exact in float32.
          expect(Math.abs((actual[i] ?? Number.NaN) - value)).toBeLessThanOrEqual(
            magnitude * 2 ** -23,
          );
        });
      }),
      { numRuns: 150 },
    );
  });

  it("broadcast a single matrix kept as [1, r, c] over the other side's batch", async () => {
    await selectBackend('wasm', silentLogger);
    // Row i of the shared matrix is all i; every matrix of the batch k is all k + 1.
    const shared = Array.from({ length: 32 }, (_, i) => Array.from({ length: 32 }, () => i));
    const batch = [0, 1, 2, 3].map((k) =>
      Array.from({ length: 32 }, () => Array.from({ length: 32 }, () => k + 1)),
    );
    for (const [a, b, first] of [
      [[shared], batch, true],
      [batch, [shared], false],
    ] as const) {
      const out = tf.tidy(() => {
        const product = tf.matMul(tf.tensor3d(a as number[][][]), tf.tensor3d(b as number[][][]));
        return { shape: product.shape, values: product.arraySync() as number[][][] };
      });
      expect(out.shape).toEqual([4, 32, 32]);
      out.values.forEach((matrix, k) => {
        matrix.forEach((row, i) => {
          // a shared on the left: the sum over 32 terms of i (k + 1); on the right,
          // the sum over its rows r = 0..31 of (k + 1) r, which is 496 (k + 1).
          row.forEach((value) => {
            expect(value).toBe(first ? 32 * i * (k + 1) : 496 * (k + 1));
          });
        });
      });
    }
  });

  it('leave no tensor and no backend data behind', async () => {
    await selectBackend('wasm', silentLogger);
    const a = tf.randomNormal([6, 32, 24]);
    const b = tf.randomNormal([6, 32, 40]);
    const run = () =>
      tf.tidy(() => {
        const out = tf.matMul(a, b, true, false);
        const back = tf.matMul(out, b, false, true);
        return tf.sum(back).dataSync()[0];
      });
    run();
    const tensors = tf.memory().numTensors;
    const data = tf.engine().backend.numDataIds();
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 5; i++) run();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(data);
    expect(tf.memory().numBytes).toBe(bytes);
    tf.dispose([a, b]);
  });

  it('shares memory for clones and same-type casts, and frees it with the last user', async () => {
    await selectBackend('wasm', silentLogger);
    const data = tf.engine().backend.numDataIds();
    const x = tf.tensor1d([1.5, -2.25, 3]);
    const copy = tf.clone(x);
    const same = tf.cast(x, 'float32');
    const whole = tf.cast(x, 'int32');
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1.5, -2.25, 3]);
    expect(Array.from(same.dataSync())).toEqual([1.5, -2.25, 3]);
    expect(Array.from(whole.dataSync())).toEqual([1, -2, 3]);
    expect(whole.dtype).toBe('int32');
    tf.dispose([copy, same, whole]);
    expect(tf.engine().backend.numDataIds()).toBe(data);
  });
});
