import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { completionScores, type TokenBatch, tf } from '../src/index.js';

/** Log-softmax of one row of logits, in float64. */
function logSoftmax(z: readonly number[]): number[] {
  const top = Math.max(...z);
  const normaliser = top + Math.log(z.reduce((sum, v) => sum + Math.exp(v - top), 0));
  return z.map((v) => v - normaliser);
}

interface Case {
  readonly logits: number[][][]; // [rows][T][V]
  readonly ids: number[][]; // [rows][T]
  readonly mask: number[][]; // [rows][T], 1 at completion tokens
}

const vocabulary = 6;
const length = 5;

/** Logits spread over +-scale (up to 1e4: targets far below the rest), random ids and masks. */
const cases = fc
  .record({
    rows: fc.integer({ min: 1, max: 3 }),
    scale: fc.constantFrom(1, 30, 1e4),
    seed: fc.nat(),
  })
  .chain(({ rows, scale }) =>
    fc.record({
      logits: fc.array(
        fc.array(
          fc.array(fc.double({ min: -scale, max: scale, noNaN: true }), {
            minLength: vocabulary,
            maxLength: vocabulary,
          }),
          { minLength: length, maxLength: length },
        ),
        { minLength: rows, maxLength: rows },
      ),
      ids: fc.array(
        fc.array(fc.integer({ min: 0, max: vocabulary - 1 }), {
          minLength: length,
          maxLength: length,
        }),
        { minLength: rows, maxLength: rows },
      ),
      mask: fc.array(fc.array(fc.constantFrom(0, 1), { minLength: length, maxLength: length }), {
        minLength: rows,
        maxLength: rows,
      }),
    }),
  );

/** Logits as float32 holds them, so both sides start from the same numbers. */
const asFloat32 = (logits: number[][][]) =>
  logits.map((r) => r.map((t) => Array.from(Float32Array.from(t))));

function batchOf(c: Case): TokenBatch {
  return {
    ids: tf.tensor2d(c.ids, undefined, 'int32'),
    completionMask: tf.tensor2d(c.mask),
  } as TokenBatch;
}

describe('completionScores', () => {
  it('sums the log-softmax at completion targets, and averages the entropy there', () => {
    fc.assert(
      fc.property(cases, (c) => {
        const logits = asFloat32(c.logits);
        const scores = tf.tidy(() => {
          const s = completionScores(tf.tensor3d(logits), batchOf(c));
          return [s.logProbs, s.tokens, s.entropy].map((t) => Array.from(t.dataSync()));
        });
        logits.forEach((row, r) => {
          let logProb = 0;
          let entropy = 0;
          let count = 0;
          for (let t = 0; t + 1 < length; t++) {
            if (c.mask[r]?.[t + 1] !== 1) continue;
            const logs = logSoftmax(row[t] ?? []);
            logProb += logs[c.ids[r]?.[t + 1] ?? 0] ?? 0;
            entropy -= logs.reduce((sum, l) => sum + (Math.exp(l) * l || 0), 0);
            count += 1;
          }
          // Per position: float32 rounding of values up to the logits' spread, and
          // of the log of the softmax's largest probability (a relative error of
          // about 1e-6 in XNNPACK's softmax on wasm).
          const spread = Math.max(...row.flat().map(Math.abs), 1);
          const tolerance = count * (2e-6 + 4e-7 * spread);
          expect(Math.abs((scores[0]?.[r] ?? 0) - logProb)).toBeLessThanOrEqual(tolerance);
          expect(scores[1]?.[r]).toBe(count);
          const meanEntropy = entropy / Math.max(count, 1);
          expect(Math.abs((scores[2]?.[r] ?? 0) - meanEntropy)).toBeLessThanOrEqual(1e-6 * spread);
        });
      }),
    );
  });

  it('has the gradient onehot(target) - softmax at completion positions, zero elsewhere', () => {
    fc.assert(
      fc.property(cases, fc.array(fc.double({ min: -2, max: 2, noNaN: true })), (c, ws) => {
        const logits = asFloat32(c.logits);
        const weights = logits.map((_, r) => ws[r] ?? 1);
        const gradient = tf.tidy(() => {
          const batch = batchOf(c);
          const grad = tf.grad((x: tf.Tensor) =>
            tf.sum(tf.mul(completionScores(x as tf.Tensor3D, batch).logProbs, weights)),
          );
          return grad(tf.tensor3d(logits)).arraySync() as number[][][];
        });
        logits.forEach((row, r) => {
          row.forEach((z, t) => {
            const counted = t + 1 < length && c.mask[r]?.[t + 1] === 1;
            const probs = logSoftmax(z).map(Math.exp);
            probs.forEach((p, v) => {
              const target = v === c.ids[r]?.[t + 1] ? 1 : 0;
              const expected = counted ? (weights[r] ?? 0) * (target - p) : 0;
              expect(Math.abs((gradient[r]?.[t]?.[v] ?? 0) - expected)).toBeLessThanOrEqual(2e-6);
            });
          });
        });
      }),
    );
  });
});
