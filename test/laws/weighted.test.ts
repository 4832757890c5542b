import { WeightedObjective } from '@prefopt/core';
import { DpoObjective } from '@prefopt/objective-dpo';
import { HdpoObjective } from '@prefopt/objective-hdpo';
import { SftObjective } from '@prefopt/objective-sft';
import { beta, evaluate, expectClose, logProbBatch, objectiveLaws } from '@prefopt/testkit';
import fc from 'fast-check';
import { describe, it } from 'vitest';

const weight = fc.double({ min: 0.01, max: 5, noNaN: true });

describe('weighted objectives', () => {
  it('DPO plus w SFT has the DPO loss plus w times the SFT loss, and the DPO rewards', () => {
    fc.assert(
      fc.property(logProbBatch, beta, weight, weight, (batch, b, wDpo, wSft) => {
        const dpo = new DpoObjective({ beta: b, labelSmoothing: 0 });
        const sft = new SftObjective();
        const mix = new WeightedObjective([
          { objective: dpo, weight: wDpo },
          { objective: sft, weight: wSft },
        ]);
        const dpoOut = evaluate(dpo, batch);
        const sftOut = evaluate(sft, batch);
        const expected = dpoOut.losses.map((l, i) => wDpo * l + wSft * (sftOut.losses[i] ?? 0));
        const result = evaluate(mix, batch);
        expectClose(
          result.losses,
          expected,
          expected.map((e) => 1e-5 * (1 + Math.abs(e))),
        );
        expectClose(result.chosenRewards, dpoOut.chosenRewards, 0);
      }),
    );
  });
});

objectiveLaws(
  'H-DPO plus SFT',
  fc.tuple(fc.double({ min: 0.3, max: 2, noNaN: true }), beta, weight).map(
    ([a, b, w]) =>
      new WeightedObjective([
        { objective: new HdpoObjective({ alpha: a, beta: b }), weight: 1 },
        { objective: new SftObjective(), weight: w },
      ]),
  ),
  { monotone: true },
);
