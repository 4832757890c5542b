import { DpoObjective } from '@prefopt/objective-dpo';
import { HdpoObjective } from '@prefopt/objective-hdpo';
import {
  alpha,
  beta,
  evaluate,
  expectClose,
  gradients,
  type LogProbBatch,
  logProbBatch,
  reductionLaw,
} from '@prefopt/testkit';
import fc from 'fast-check';
import { describe, it } from 'vitest';

/**
 * Float32 rounding grows with the size of the terms, so tolerances are
 * relative to beta times the summed magnitudes of each pair's log-probs.
 */
function tolerances(batch: LogProbBatch, scale: number, relative: number): number[] {
  return batch.policyChosen.map((_, i) => {
    const magnitude =
      Math.abs(batch.policyChosen[i] ?? 0) +
      Math.abs(batch.policyRejected[i] ?? 0) +
      Math.abs(batch.referenceChosen[i] ?? 0) +
      Math.abs(batch.referenceRejected[i] ?? 0);
    return relative * (1 + scale * magnitude);
  });
}

describe('H-DPO and DPO', () => {
  it('H-DPO at alpha = 1 equals DPO in losses and rewards, for any beta', () => {
    fc.assert(
      fc.property(logProbBatch, beta, (batch, b) => {
        const hdpo = evaluate(new HdpoObjective({ alpha: 1, beta: b }), batch);
        const dpo = evaluate(new DpoObjective({ beta: b, labelSmoothing: 0 }), batch);
        const tolerance = tolerances(batch, b, 1e-6);

        expectClose(hdpo.losses, dpo.losses, tolerance);
        expectClose(hdpo.chosenRewards, dpo.chosenRewards, tolerance);
        expectClose(hdpo.rejectedRewards, dpo.rejectedRewards, tolerance);
      }),
    );
  });

  it('H-DPO at alpha = 1 has the gradients of DPO for all four log-prob inputs', () => {
    fc.assert(
      fc.property(logProbBatch, beta, (batch, b) => {
        const hdpo = gradients(new HdpoObjective({ alpha: 1, beta: b }), batch);
        const dpo = gradients(new DpoObjective({ beta: b, labelSmoothing: 0 }), batch);
        // Each gradient is +-beta * sigmoid(-z), so it is at most beta in size.
        const tolerance = 1e-6 * b;

        expectClose(hdpo.policyChosen, dpo.policyChosen, tolerance);
        expectClose(hdpo.policyRejected, dpo.policyRejected, tolerance);
        expectClose(hdpo.referenceChosen, dpo.referenceChosen, tolerance);
        expectClose(hdpo.referenceRejected, dpo.referenceRejected, tolerance);
      }),
    );
  });

  it('H-DPO(alpha, beta) equals DPO(alpha * beta) against a reference tempered by 1/alpha', () => {
    // beta((a pc - rc) - (a pr - rr)) = a beta((pc - rc/a) - (pr - rr/a)), and the
    // implied rewards beta(a p - r) = a beta(p - r/a) agree the same way.
    fc.assert(
      fc.property(logProbBatch, alpha, beta, (batch, a, b) => {
        const tempered: LogProbBatch = {
          ...batch,
          referenceChosen: batch.referenceChosen.map((r) => r / a),
          referenceRejected: batch.referenceRejected.map((r) => r / a),
        };
        const hdpo = evaluate(new HdpoObjective({ alpha: a, beta: b }), batch);
        const dpo = evaluate(new DpoObjective({ beta: a * b, labelSmoothing: 0 }), tempered);
        const tolerance = tolerances(batch, b * Math.max(a, 1), 1e-5);

        expectClose(hdpo.losses, dpo.losses, tolerance);
        expectClose(hdpo.chosenRewards, dpo.chosenRewards, tolerance);
        expectClose(hdpo.rejectedRewards, dpo.rejectedRewards, tolerance);
      }),
    );
  });
});

describe('the reduction, as the law kit states it', () => {
  reductionLaw(
    'H-DPO(alpha = 1, beta) is DPO(beta), gradients included',
    beta.map(
      (b) =>
        [
          new HdpoObjective({ alpha: 1, beta: b }),
          new DpoObjective({ beta: b, labelSmoothing: 0 }),
        ] as const,
    ),
  );
});
