import {
  collatePairs,
  selectBackend,
  silentLogger,
  type TokenizedPair,
  tf,
  toTokenBatch,
} from '@prefopt/core';
import { DpoObjective } from '@prefopt/objective-dpo';
import { TransformerPolicy, transformerOptions } from '@prefopt/policies';
import { afterAll, describe, expect, it } from 'vitest';

// prefopt reroutes wasm matrix products through XNNPACK and shares memory for
// copies (core's wasm kernels). The plain JavaScript backend runs none of that,
// so a DPO step on both must give the same loss and gradients, up to float32
// rounding in a different order.
describe('a DPO step on wasm', () => {
  const initial = tf.getBackend();
  afterAll(async () => {
    await tf.setBackend(initial);
  });

  const special = { vocabularySize: 40, beginId: 37, endId: 38, paddingId: 39 };
  let seed = 3;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const tokens = (length: number) => Array.from({ length }, () => next(37));
  // Uneven lengths, so rows are padded and masks matter.
  const pairs: TokenizedPair[] = Array.from({ length: 6 }, (_, i) => ({
    prompt: tokens(4 + i * 3),
    chosen: tokens(3 + next(12)),
    rejected: tokens(2 + next(14)),
  }));

  function step(policy: TransformerPolicy) {
    const objective = new DpoObjective({ beta: 0.5, labelSmoothing: 0 });
    return tf.tidy(() => {
      const batch = toTokenBatch(collatePairs(pairs, special));
      const { value, grads } = tf.variableGrads(() => {
        const { logProbs } = policy.score(batch);
        const [chosen, rejected] = tf.split(logProbs, 2) as [tf.Tensor1D, tf.Tensor1D];
        const count = pairs.length;
        const output = objective.compute({
          policy: { chosen, rejected },
          reference: { chosen: tf.fill([count], -40), rejected: tf.fill([count], -35) },
          chosenTokens: tf.ones([count]),
          rejectedTokens: tf.ones([count]),
        });
        return tf.mean(output.losses) as tf.Scalar;
      }, policy.variables as tf.Variable[]);
      return {
        loss: value.dataSync()[0] ?? Number.NaN,
        gradients: Object.fromEntries(
          Object.entries(grads).map(([name, g]) => [name, Array.from(g.dataSync())]),
        ),
      };
    });
  }

  it('has the loss and gradients of the plain JavaScript backend', async () => {
    const options = transformerOptions.parse(
      { layers: 2, width: 32, heads: 4, contextLength: 48, scope: 'fast-path' },
      'policy',
    );
    const policy = TransformerPolicy.create(options, special, 11);
    try {
      await selectBackend('wasm', silentLogger);
      const tensors = tf.memory().numTensors;
      const fast = step(policy);
      expect(tf.memory().numTensors).toBe(tensors);
      await selectBackend('cpu', silentLogger);
      const plain = step(policy);

      expect(Math.abs(fast.loss - plain.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(plain.loss));
      expect(Object.keys(fast.gradients).sort()).toEqual(Object.keys(plain.gradients).sort());
      for (const [name, expected] of Object.entries(plain.gradients)) {
        const actual = fast.gradients[name] ?? [];
        const scale = Math.max(...expected.map(Math.abs));
        expect(scale, name).toBeGreaterThan(0);
        const worst = Math.max(...expected.map((e, i) => Math.abs((actual[i] ?? Number.NaN) - e)));
        // float32 sums in another order; measured under 1e-6 of the scale.
        expect(worst, name).toBeLessThanOrEqual(2e-5 * scale);
      }
    } finally {
      policy.dispose();
    }
  });
});
