import {
  collatePairs,
  collateRows,
  collateSharedPairs,
  type PromptCompletion,
  type TokenizedPair,
  tf,
  toTokenBatch,
} from '@prefopt/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { TransformerPolicy, transformerOptions } from '../src/index.js';
import { affine, gelu, layerNorm } from '../src/transformer.js';

// A 12-token vocabulary: ids 0-8 are ordinary tokens, then the special ones.
const special = { vocabularySize: 12, beginId: 9, endId: 10, paddingId: 11 };
const options = transformerOptions.parse({ layers: 2, width: 16, heads: 2, contextLength: 12 }, '');
const rows: PromptCompletion[] = [
  { prompt: [1, 2, 3], completion: [4, 5] },
  { prompt: [6], completion: [7, 8, 0, 1] },
  { prompt: [2, 2], completion: [3] },
];

const created: TransformerPolicy[] = [];
function policy(seed = 7, name = 'test'): TransformerPolicy {
  const made = TransformerPolicy.create(
    { ...options, scope: `${name}${created.length}` },
    special,
    seed,
  );
  created.push(made);
  return made;
}
afterEach(() => {
  for (const made of created.splice(0)) made.dispose();
});

/** Scores as plain numbers, with every tensor released. */
function scoresOf(model: TransformerPolicy, batchRows: PromptCompletion[], length = 0) {
  return tf.tidy(() => {
    const scores = model.score(toTokenBatch(collateRows(batchRows, special, length)));
    return {
      logProbs: Array.from(scores.logProbs.dataSync()),
      tokens: Array.from(scores.tokens.dataSync()),
      entropy: Array.from(scores.entropy.dataSync()),
    };
  });
}

describe('the transformer policy', () => {
  it('sums the log-softmax at each completion target, counting the end token', () => {
    const model = policy();
    const collated = collateRows(rows, special);
    const logits = tf.tidy(() => model.logits(toTokenBatch(collated).ids).arraySync());

    // Independently, in float64: the token at position t + 1 is predicted by the
    // logits at t; a completion of n tokens plus its end token has n + 1 targets.
    const expected = rows.map((row, r) => {
      const tokens = [special.beginId, ...row.prompt, ...row.completion, special.endId];
      let logProb = 0;
      let entropy = 0;
      for (let t = row.prompt.length; t < tokens.length - 1; t++) {
        const z = logits[r]?.[t] ?? [];
        const top = Math.max(...z);
        const logNormaliser = top + Math.log(z.reduce((sum, v) => sum + Math.exp(v - top), 0));
        logProb += (z[tokens[t + 1] ?? 0] ?? 0) - logNormaliser;
        entropy -= z.reduce((sum, v) => sum + Math.exp(v - logNormaliser) * (v - logNormaliser), 0);
      }
      const count = row.completion.length + 1;
      return { logProb, entropy: entropy / count, count };
    });

    const scores = scoresOf(model, rows);
    expect(scores.tokens).toEqual(expected.map((e) => e.count));
    scores.logProbs.forEach((value, r) => {
      expect(value).toBeCloseTo(expected[r]?.logProb ?? Number.NaN, 4);
    });
    scores.entropy.forEach((value, r) => {
      expect(value).toBeCloseTo(expected[r]?.entropy ?? Number.NaN, 4);
    });
  });

  it('gives the same scores whatever the padding length or padding tokens', () => {
    const model = policy();
    const tight = scoresOf(model, rows);
    const padded = scoresOf(model, rows, 12);

    const scrambled = tf.tidy(() => {
      const collated = collateRows(rows, special, 12);
      const ids = collated.ids.map((id, i) => (collated.attentionMask[i] === 0 ? i % 9 : id));
      const scores = model.score(toTokenBatch({ ...collated, ids }));
      return Array.from(scores.logProbs.dataSync());
    });

    for (const other of [padded.logProbs, scrambled]) {
      other.forEach((value, r) => {
        expect(value).toBeCloseTo(tight.logProbs[r] ?? Number.NaN, 5);
      });
    }
    expect(padded.entropy.map((e) => e.toFixed(5))).toEqual(tight.entropy.map((e) => e.toFixed(5)));
  });

  it('draws the same weights from the same seed and different ones from another', () => {
    const first = scoresOf(policy(3), rows).logProbs;
    const again = scoresOf(policy(3), rows).logProbs;
    const other = scoresOf(policy(4), rows).logProbs;
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('trains every variable, and a step leaves the tensor count where it found it', () => {
    const model = policy();
    const optimizer = tf.train.adam(1e-2);
    const batch = toTokenBatch(collateRows(rows, special));
    const before = scoresOf(model, rows).logProbs;
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => tf.neg(tf.sum(model.score(batch).logProbs)) as tf.Scalar,
          model.variables as tf.Variable[],
        );
        for (const variable of model.variables) {
          expect(tf.max(tf.abs(grads[variable.name] as tf.Tensor)).dataSync()[0]).toBeGreaterThan(
            0,
          );
        }
        // tfjs types the gradient map as variables; any named tensors will do.
        optimizer.applyGradients(grads as Record<string, tf.Variable>);
        return value;
      });

    step().dispose(); // Adam creates its moment variables on the first step.
    const count = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step().dispose();
    expect(tf.memory().numTensors).toBe(count);

    const after = scoresOf(model, rows).logProbs;
    after.forEach((value, r) => {
      expect(value).toBeGreaterThan(before[r] ?? Number.NaN);
    });
    tf.dispose([batch.ids, batch.completionMask, batch.attentionMask]);
    optimizer.dispose();
  });

  it('snapshots a frozen copy that keeps its weights when the policy trains on', () => {
    const model = policy();
    const reference = model.snapshot();
    created.push(reference);

    expect(reference.variables.every((v) => !v.trainable)).toBe(true);
    expect(scoresOf(reference, rows).logProbs).toEqual(scoresOf(model, rows).logProbs);

    const first = model.variables[0] as tf.Variable;
    tf.tidy(() => first.assign(tf.add(first, 1)));
    expect(scoresOf(reference, rows).logProbs).not.toEqual(scoresOf(model, rows).logProbs);
  });

  it('rejects heads that do not divide the width', () => {
    expect(() =>
      TransformerPolicy.create({ ...options, width: 10, heads: 3, scope: 'odd' }, special, 1),
    ).toThrow('transformer: heads (3) must divide width (10)');
  });
});

describe('transformer sampling', () => {
  it('is repeatable for a seed, stops at the end token, and respects maxTokens', () => {
    const model = policy();
    const prompts = [[1, 2], [3], [4, 5, 6]];
    const sampleOptions = { maxTokens: 5, temperature: 1, seed: 11 };
    const first = model.sample(prompts, sampleOptions);
    const again = model.sample(prompts, sampleOptions);

    expect(again).toEqual(first);
    for (const completion of first) {
      expect(completion.length).toBeGreaterThanOrEqual(1);
      expect(completion.length).toBeLessThanOrEqual(5);
      // Only the last token may be the end token.
      expect(completion.slice(0, -1)).not.toContain(special.endId);
    }
  });

  it('decodes greedily at temperature 0, taking the most likely token each step', () => {
    const model = policy();
    const [completion = []] = model.sample([[1, 2]], { maxTokens: 3, temperature: 0, seed: 1 });

    const prefix = [special.beginId, 1, 2];
    for (const token of completion) {
      const logits = tf.tidy(() => {
        const ids = tf.tensor2d([prefix], [1, prefix.length], 'int32');
        return (model.logits(ids).arraySync()[0] ?? [])[prefix.length - 1] ?? [];
      });
      expect(token).toBe(logits.indexOf(Math.max(...logits)));
      prefix.push(token);
    }
  });

  it('stops a row when it fills the context', () => {
    const model = policy();
    const [completion = []] = model.sample([[1, 2, 3, 4, 5, 6, 7, 8]], {
      maxTokens: 50,
      temperature: 1,
      seed: 3,
    });
    // Context 12: begin + 8 prompt tokens leave room for at most 3 completion tokens.
    expect(completion.length).toBeLessThanOrEqual(3);
  });
});

describe('GELU', () => {
  it('is the tanh form, and so is its derivative', () => {
    const xs = [-30, -8, -3, -1.5, -0.5, -1e-3, 0, 1e-3, 0.25, 0.7, 1, 2.5, 5, 30];
    // In float64: g(x) = 0.5 x (1 + tanh(u)), u = c (x + k x^3);
    // g'(x) = 0.5 (1 + tanh(u)) + 0.5 x (1 - tanh(u)^2) c (1 + 3 k x^2).
    const c = Math.sqrt(2 / Math.PI);
    const k = 0.044715;
    const expected = xs.map((x) => {
      const t = Math.tanh(c * (x + k * x ** 3));
      return {
        value: 0.5 * x * (1 + t),
        slope: 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * k * x * x),
      };
    });
    const [values, slopes] = tf.tidy(() => {
      const x = tf.tensor1d(xs);
      return [
        gelu(x).arraySync(),
        tf
          .grad((v: tf.Tensor) => tf.sum(gelu(v)))(x)
          .arraySync(),
      ];
    }) as [number[], number[]];
    expected.forEach(({ value, slope }, i) => {
      expect(Math.abs((values[i] ?? Number.NaN) - value)).toBeLessThanOrEqual(
        1e-6 * (1 + Math.abs(value)),
      );
      expect(Math.abs((slopes[i] ?? Number.NaN) - slope)).toBeLessThanOrEqual(1e-6);
    });
  });
});

describe('affine', () => {
  it('is x W + b, with gradients dy W^T, x^T dy and the column sums of dy', () => {
    // Small integers, so float32 holds every product and sum exactly.
    const x = [
      [1, -2, 3],
      [0, 4, -1],
      [2, 2, -3],
      [-1, 0, 5],
    ];
    const w = [
      [2, 0, -1, 1],
      [1, -3, 2, 0],
      [-2, 1, 1, 3],
    ];
    const b = [1, -1, 2, 0];
    const dy = [
      [1, 0, -2, 3],
      [-1, 2, 1, 0],
      [0, -3, 2, 1],
      [2, 1, 0, -1],
    ];
    const at = (m: number[][], i: number, j: number) => m[i]?.[j] ?? Number.NaN;
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    const value = range(4).map((i) =>
      range(4).map((j) => range(3).reduce((s, k) => s + at(x, i, k) * at(w, k, j), b[j] ?? 0)),
    );
    const dx = range(4).map((i) =>
      range(3).map((k) => range(4).reduce((s, j) => s + at(dy, i, j) * at(w, k, j), 0)),
    );
    const dw = range(3).map((k) =>
      range(4).map((j) => range(4).reduce((s, i) => s + at(x, i, k) * at(dy, i, j), 0)),
    );
    const db = range(4).map((j) => range(4).reduce((s, i) => s + at(dy, i, j), 0));

    const [y, grads] = tf.tidy(() => {
      const inputs = [tf.tensor2d(x), tf.tensor2d(w), tf.tensor1d(b)];
      const f = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
        tf.sum(tf.mul(affine(a, c, d), tf.tensor2d(dy)));
      return [
        affine(inputs[0] as tf.Tensor, inputs[1] as tf.Tensor, inputs[2] as tf.Tensor).arraySync(),
        tf
          .grads(f)(inputs)
          .map((g) => g.arraySync()),
      ];
    });
    expect(y).toEqual(value);
    expect(grads).toEqual([dx, dw, db]);
  });
});

describe('scorePairs', () => {
  const tokens = (max: number) => fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: max });
  // Rows up to 1 + 4 + 5 + 1 = 11 tokens, within the context of 12.
  const pairs = fc.array(fc.record({ prompt: tokens(4), chosen: tokens(5), rejected: tokens(5) }), {
    minLength: 1,
    maxLength: 4,
  });

  /** Scores and the gradient of a weighted sum of log-probs, by both paths. */
  function bothPaths(model: TransformerPolicy, batch: TokenizedPair[], weights: number[]) {
    return tf.tidy(() => {
      const paths = {
        rows: () => model.score(toTokenBatch(collatePairs(batch, special))),
        pairs: () => model.scorePairs(collateSharedPairs(batch, special)),
      };
      return Object.fromEntries(
        Object.entries(paths).map(([name, scoreOf]) => {
          const { value, grads } = tf.variableGrads(
            () => tf.sum(tf.mul(scoreOf().logProbs, weights)) as tf.Scalar,
            model.variables as tf.Variable[],
          );
          const scores = scoreOf();
          const result = {
            logProbs: Array.from(scores.logProbs.dataSync()),
            tokens: Array.from(scores.tokens.dataSync()),
            entropy: Array.from(scores.entropy.dataSync()),
            total: value.dataSync()[0] ?? Number.NaN,
            grads: model.variables.map((v) => Array.from(grads[v.name]?.dataSync() ?? [])),
          };
          return [name, result];
        }),
      );
    });
  }

  it('equals the scores and gradients of the full rows, the prompt computed once', () => {
    const model = policy(11);
    fc.assert(
      fc.property(pairs, fc.array(fc.double({ min: -1, max: 1, noNaN: true })), (batch, ws) => {
        const weights = [...batch, ...batch].map((_, r) => ws[r] ?? 0.5);
        const { rows, pairs: shared } = bothPaths(model, batch, weights);
        if (rows === undefined || shared === undefined) throw new Error('no result');
        expect(shared.tokens).toEqual(rows.tokens);
        shared.logProbs.forEach((v, r) => {
          expect(Math.abs(v - (rows.logProbs[r] ?? 0))).toBeLessThanOrEqual(2e-5);
        });
        shared.entropy.forEach((v, r) => {
          expect(Math.abs(v - (rows.entropy[r] ?? 0))).toBeLessThanOrEqual(2e-5);
        });
        shared.grads.forEach((grad, i) => {
          const scale = Math.max(1e-3, ...(rows.grads[i] ?? []).map(Math.abs));
          grad.forEach((g, k) => {
            expect(Math.abs(g - (rows.grads[i]?.[k] ?? 0))).toBeLessThanOrEqual(2e-5 * scale);
          });
        });
      }),
      { numRuns: 25 },
    );
  });
});

describe('layerNorm', () => {
  /** sum(dy * layerNorm(x) ) in float64, by the definition. */
  function objective(x: number[][], scale: number[], shift: number[], dy: number[][]): number {
    return x.reduce((total, row, i) => {
      const mean = row.reduce((a, b) => a + b, 0) / row.length;
      const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / row.length;
      const deviation = Math.sqrt(variance + 1e-5);
      return row.reduce(
        (sum, v, j) =>
          sum + (dy[i]?.[j] ?? 0) * (((v - mean) / deviation) * (scale[j] ?? 0) + (shift[j] ?? 0)),
        total,
      );
    }, 0);
  }

  it('matches the definition, and its gradients central differences in float64', () => {
    const random = (n: number, m: number, seed: number) =>
      Array.from({ length: n }, (_, i) =>
        Array.from({ length: m }, (_, j) => Math.sin(seed * 7.3 + i * 3.1 + j * 1.7) * 2),
      );
    const x = random(3, 5, 1);
    const dy = random(3, 5, 2);
    const [scale, shift] = [random(1, 5, 3)[0] ?? [], random(1, 5, 4)[0] ?? []];
    // Central differences of the float64 objective: errors near 1e-9.
    const h = 1e-5;
    const slope = (bump: (delta: number) => number) => (bump(h) - bump(-h)) / (2 * h);
    const dx = x.map((row, i) =>
      row.map((_, j) =>
        slope((d) =>
          objective(
            x.map((r, a) => r.map((v, b) => (a === i && b === j ? v + d : v))),
            scale,
            shift,
            dy,
          ),
        ),
      ),
    );
    const dscale = scale.map((_, j) =>
      slope((d) =>
        objective(
          x,
          scale.map((v, b) => (b === j ? v + d : v)),
          shift,
          dy,
        ),
      ),
    );
    const dshift = shift.map((_, j) =>
      slope((d) =>
        objective(
          x,
          scale,
          shift.map((v, b) => (b === j ? v + d : v)),
          dy,
        ),
      ),
    );

    const [value, grads] = tf.tidy(() => {
      const inputs = [tf.tensor2d(x), tf.tensor1d(scale), tf.tensor1d(shift)];
      const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(layerNorm(a, b, c), tf.tensor2d(dy)));
      const [a, b, c] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor];
      return [
        f(a, b, c).dataSync()[0] ?? Number.NaN,
        tf
          .grads(f)(inputs)
          .map((g) => g.dataSync()),
      ];
    }) as [number, Float32Array[]];
    expect(Math.abs(value - objective(x, scale, shift, dy))).toBeLessThan(1e-5);
    [dx.flat(), dscale, dshift].forEach((expected, k) => {
      expected.forEach((want, i) => {
        expect(Math.abs((grads[k]?.[i] ?? Number.NaN) - want)).toBeLessThan(1e-4);
      });
    });
  });
});
