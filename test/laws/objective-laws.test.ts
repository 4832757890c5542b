import type { Objective } from '@prefopt/core';
import { DpoObjective } from '@prefopt/objective-dpo';
import { HdpoObjective } from '@prefopt/objective-hdpo';
import { SftObjective } from '@prefopt/objective-sft';
import {
  alpha,
  beta,
  evaluate,
  expectClose,
  gradients,
  type LogProbBatch,
  logProb,
  logProbBatch,
  objectiveLaws,
} from '@prefopt/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

interface Case {
  readonly name: string;
  readonly objective: fc.Arbitrary<Objective>;
  /** The margin the loss is a function of, computed here in float64. */
  logit(objective: Objective, batch: LogProbBatch, pair: number): number;
}

const at = (values: number[], index: number) => values[index] ?? Number.NaN;

const dpoCase: Case = {
  name: 'DPO',
  objective: beta.map((b) => new DpoObjective({ beta: b, labelSmoothing: 0 })),
  logit(objective, batch, i) {
    const { beta: b } = (objective as DpoObjective).options;
    const chosen = at(batch.policyChosen, i) - at(batch.referenceChosen, i);
    const rejected = at(batch.policyRejected, i) - at(batch.referenceRejected, i);
    return b * (chosen - rejected);
  },
};

const hdpoCase: Case = {
  name: 'H-DPO',
  objective: fc.tuple(alpha, beta).map(([a, b]) => new HdpoObjective({ alpha: a, beta: b })),
  logit(objective, batch, i) {
    const { alpha: a, beta: b } = (objective as HdpoObjective).options;
    const chosen = a * at(batch.policyChosen, i) - at(batch.referenceChosen, i);
    const rejected = a * at(batch.policyRejected, i) - at(batch.referenceRejected, i);
    return b * (chosen - rejected);
  },
};

objectiveLaws('DPO', dpoCase.objective, {
  monotone: true,
  shiftInvariance: ['completion', 'pair'],
  zeroMarginLoss: () => Math.LN2,
});
objectiveLaws('H-DPO', hdpoCase.objective, {
  monotone: true,
  // alpha pc - rc moves by (alpha - 1) c when one completion shifts;
  // only a shift of the whole pair cancels.
  shiftInvariance: ['pair'],
  zeroMarginLoss: () => Math.LN2,
});
objectiveLaws(
  'conservative DPO',
  fc
    .tuple(beta, fc.double({ min: 0.01, max: 0.49, noNaN: true }))
    .map(([b, e]) => new DpoObjective({ beta: b, labelSmoothing: e })),
  {
    // It stops rewarding margins past z* = log((1 - e) / e); see the test below.
    monotone: (objective, batch, i) => {
      const { labelSmoothing: e } = (objective as DpoObjective).options;
      return dpoCase.logit(objective, batch, i) < Math.log((1 - e) / e);
    },
    shiftInvariance: ['completion', 'pair'],
    zeroMarginLoss: () => Math.LN2,
  },
);
objectiveLaws('SFT', fc.constant(new SftObjective()), { monotone: true });

describe.each([dpoCase, hdpoCase])('$name, beyond the shared laws', (law) => {
  it('the loss falls as the chosen log-prob rises and rises with the rejected one', () => {
    fc.assert(
      fc.property(law.objective, logProbBatch, (objective, batch) => {
        const gradient = gradients(objective, batch);

        batch.policyChosen.forEach((_, i) => {
          expect(at(gradient.policyChosen, i)).toBeLessThanOrEqual(0);
          expect(at(gradient.policyRejected, i)).toBeGreaterThanOrEqual(0);
          // Away from float32 saturation of sigmoid(-z) the change is strict.
          if (Math.abs(law.logit(objective, batch, i)) < 15) {
            expect(at(gradient.policyChosen, i)).toBeLessThan(0);
            expect(at(gradient.policyRejected, i)).toBeGreaterThan(0);
          }
        });
      }),
    );
  });

  it('raising the chosen log-probs never raises a pair loss', () => {
    fc.assert(
      fc.property(
        law.objective,
        logProbBatch,
        fc.double({ min: 1e-3, max: 100, noNaN: true }),
        (objective, batch, step) => {
          const raised = { ...batch, policyChosen: batch.policyChosen.map((p) => p + step) };
          const before = evaluate(objective, batch).losses;
          const after = evaluate(objective, raised).losses;
          after.forEach((loss, i) => {
            expect(loss).toBeLessThanOrEqual(at(before, i) + 1e-6 * (1 + at(before, i)));
          });
        },
      ),
    );
  });

  it('a zero margin gives a loss of log 2 and equal rewards', () => {
    // With the same completion scored as chosen and rejected, both sides of the
    // margin are the same float32 number, so z = 0 and -log sigmoid(0) = log 2.
    fc.assert(
      fc.property(law.objective, logProb, logProb, (objective, policy, reference) => {
        const batch = {
          policyChosen: [policy],
          policyRejected: [policy],
          referenceChosen: [reference],
          referenceRejected: [reference],
        };
        const result = evaluate(objective, batch);
        expectClose(result.losses, [Math.LN2], 1e-6);
        expectClose(result.chosenRewards, result.rejectedRewards, 0);
      }),
    );
  });
});

describe('DPO with label smoothing', () => {
  // loss = -(1 - e) log sig(z) - e log sig(-z); d loss / dz = -(1 - e) sig(-z) + e sig(z),
  // which is zero at z* = log((1 - e) / e): below z* the loss falls as the margin
  // grows, above it the loss rises again, so the policy is not pushed past z*.
  it('falls with the chosen log-prob below the target margin and rises above it', () => {
    fc.assert(
      fc.property(
        beta,
        fc.double({ min: 0.01, max: 0.49, noNaN: true }),
        logProbBatch,
        (b, e, batch) => {
          const objective = new DpoObjective({ beta: b, labelSmoothing: e });
          const target = Math.log((1 - e) / e);
          const gradient = gradients(objective, batch);

          batch.policyChosen.forEach((_, i) => {
            const z = dpoCase.logit(objective, batch, i);
            if (z < target - 1e-2 && z > -15) expect(at(gradient.policyChosen, i)).toBeLessThan(0);
            if (z > target + 1e-2 && z < 15) {
              expect(at(gradient.policyChosen, i)).toBeGreaterThan(0);
            }
          });
        },
      ),
    );
  });

  it('gives log 2 at a zero margin, whatever the smoothing', () => {
    fc.assert(
      fc.property(beta, fc.double({ min: 0, max: 0.49, noNaN: true }), (b, e) => {
        const objective = new DpoObjective({ beta: b, labelSmoothing: e });
        const batch = {
          policyChosen: [-12],
          policyRejected: [-7],
          referenceChosen: [-10],
          referenceRejected: [-5],
        };
        expectClose(evaluate(objective, batch).losses, [Math.LN2], 1e-6);
      }),
    );
  });
});
