import { softLabelLosses, tf } from '@prefopt/core';
import { DpoObjective } from '@prefopt/objective-dpo';
import { beta, evaluate, expectClose, logProbBatch } from '@prefopt/testkit';
import fc from 'fast-check';
import { describe, it } from 'vitest';

describe('soft preference labels', () => {
  // p softplus(-z) + (1 - p) softplus(z) is DPO with label smoothing e = 1 - p.
  it('DPO with soft label p equals DPO with label smoothing 1 - p', () => {
    fc.assert(
      fc.property(
        logProbBatch,
        beta,
        fc.double({ min: 0.5001, max: 1, noNaN: true }),
        (batch, b, p) => {
          const smoothing = 1 - p;
          const expected = evaluate(
            new DpoObjective({ beta: b, labelSmoothing: smoothing }),
            batch,
          );
          const soft = tf.tidy(() => {
            const output = softLabelLosses(
              new DpoObjective({ beta: b, labelSmoothing: 0 }),
              {
                policy: {
                  chosen: tf.tensor1d(batch.policyChosen),
                  rejected: tf.tensor1d(batch.policyRejected),
                },
                reference: {
                  chosen: tf.tensor1d(batch.referenceChosen),
                  rejected: tf.tensor1d(batch.referenceRejected),
                },
                chosenTokens: tf.ones([batch.policyChosen.length]),
                rejectedTokens: tf.ones([batch.policyChosen.length]),
              },
              tf.fill([batch.policyChosen.length], p),
            );
            return Array.from(output.losses.dataSync());
          });
          // Both are sums of the same two softplus terms; float32 rounding is the only
          // difference. The soft path forms 1 - p from p stored in float32, which is off by
          // up to 2^-24, and that weight multiplies softplus(z) - softplus(-z) = z, so a
          // large margin z adds |z| 2^-24 on top of the relative rounding of the loss.
          const tolerance = expected.losses.map((loss, i) => {
            const z =
              b *
              ((batch.policyChosen[i] ?? 0) -
                (batch.referenceChosen[i] ?? 0) -
                ((batch.policyRejected[i] ?? 0) - (batch.referenceRejected[i] ?? 0)));
            return 1e-5 * (1 + Math.abs(loss)) + 2 ** -22 * Math.abs(z);
          });
          expectClose(soft, expected.losses, tolerance);
        },
      ),
    );
  });
});
