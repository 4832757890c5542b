import { HingeObjective } from '@prefopt/objective-hinge';
import { IpoObjective } from '@prefopt/objective-ipo';
import { OrpoObjective } from '@prefopt/objective-orpo';
import { RobustDpoObjective } from '@prefopt/objective-robust';
import { SimpoObjective } from '@prefopt/objective-simpo';
import { beta, type LogProbBatch, objectiveLaws } from '@prefopt/testkit';
import fc from 'fast-check';

const at = (values: readonly number[] | undefined, i: number) => values?.[i] ?? 1;

/** IPO's margin h, computed here: per-token log-ratios when lengthNormalize. */
function ipoMargin(objective: IpoObjective, batch: LogProbBatch, i: number): number {
  const { lengthNormalize } = objective.options;
  const chosen =
    (at(batch.policyChosen, i) - at(batch.referenceChosen, i)) /
    (lengthNormalize ? at(batch.chosenTokens, i) : 1);
  const rejected =
    (at(batch.policyRejected, i) - at(batch.referenceRejected, i)) /
    (lengthNormalize ? at(batch.rejectedTokens, i) : 1);
  return chosen - rejected;
}

objectiveLaws(
  'IPO',
  fc
    .tuple(beta, fc.boolean())
    .map(([b, lengthNormalize]) => new IpoObjective({ beta: b, lengthNormalize })),
  {
    // (h - 1/(2 beta))^2 falls as h rises only up to its target margin 1/(2 beta).
    monotone: (objective, batch, i) =>
      ipoMargin(objective as IpoObjective, batch, i) <
      1 / (2 * (objective as IpoObjective).options.beta) - 1e-3,
    shiftInvariance: ['completion', 'pair'],
    zeroMarginLoss: (objective) => (1 / (2 * (objective as IpoObjective).options.beta)) ** 2,
  },
);

objectiveLaws(
  'hinge',
  beta.map((b) => new HingeObjective({ beta: b })),
  { monotone: true, shiftInvariance: ['completion', 'pair'], zeroMarginLoss: () => 1 },
);

objectiveLaws(
  'robust DPO',
  fc
    .tuple(beta, fc.double({ min: 0, max: 0.45, noNaN: true }))
    .map(([b, flipRate]) => new RobustDpoObjective({ beta: b, flipRate })),
  // softplus(-z) - e z / (1 - 2e) falls for every z: its slope is -sigmoid(-z) - e / (1 - 2e).
  { monotone: true, shiftInvariance: ['completion', 'pair'], zeroMarginLoss: () => Math.LN2 },
);

objectiveLaws(
  'SimPO',
  fc
    .tuple(
      fc.double({ min: 0.1, max: 10, noNaN: true }),
      fc.double({ min: 0, max: 3, noNaN: true }),
    )
    .map(([b, gamma]) => new SimpoObjective({ beta: b, gamma })),
  // Reference-free and length-normalised: no shift leaves it alone unless lengths match.
  {
    monotone: true,
    zeroMarginLoss: (objective) =>
      Math.log1p(Math.exp((objective as SimpoObjective).options.gamma)),
  },
);

objectiveLaws(
  'ORPO',
  fc.double({ min: 0.01, max: 5, noNaN: true }).map((lambda) => new OrpoObjective({ lambda })),
  { monotone: true },
);
