import { type Objective, tf } from '@prefopt/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extremeBatch, logProb, logProbBatch, tokenCount } from './arbitraries.js';
import { evaluate, expectClose, gradients, type LogProbBatch, objectiveInput } from './batch.js';

/** Which laws an objective opts into, beyond those every objective must keep. */
export interface ObjectiveLawOptions {
  /**
   * The loss never rises as the chosen log-prob rises, nor falls as the
   * rejected one rises. Give a predicate to check it only where it holds
   * (IPO, say, stops rewarding margins past its target).
   */
  readonly monotone?:
    | boolean
    | ((objective: Objective, batch: LogProbBatch, pair: number) => boolean);
  /**
   * Adding a constant to some log-probs of a pair leaves its loss alone:
   * `completion`: to the policy's and the reference's log-prob of one
   * completion (only the log-ratio counts); `pair`: to all four.
   */
  readonly shiftInvariance?: readonly ('completion' | 'pair')[];
  /** The loss when chosen and rejected are scored the same (log 2 for DPO). */
  readonly zeroMarginLoss?: (objective: Objective) => number;
}

const at = (values: readonly number[] | undefined, index: number) => values?.[index] ?? Number.NaN;

/** Float32 rounding grows with the terms; tolerances scale with a pair's log-prob magnitudes. */
function tolerance(batch: LogProbBatch, relative: number): number[] {
  return batch.policyChosen.map(
    (_, i) =>
      relative *
      (1 +
        Math.abs(at(batch.policyChosen, i)) +
        Math.abs(at(batch.policyRejected, i)) +
        Math.abs(at(batch.referenceChosen, i)) +
        Math.abs(at(batch.referenceRejected, i))),
  );
}

const shiftAmount = fc.double({ min: -100, max: 100, noNaN: true });

function shifted(batch: LogProbBatch, kind: 'completion' | 'pair', c: number): LogProbBatch {
  const shift = (values: number[]) => values.map((v) => v + c);
  const chosen = {
    policyChosen: shift(batch.policyChosen),
    referenceChosen: shift(batch.referenceChosen),
  };
  if (kind === 'completion') return { ...batch, ...chosen };
  return {
    ...batch,
    ...chosen,
    policyRejected: shift(batch.policyRejected),
    referenceRejected: shift(batch.referenceRejected),
  };
}

/**
 * The shift law as a property. Shifted log-probs are rounded to float32, so
 * each moves by up to half an ulp of its size, and the loss by that times
 * its local slope (read from the gradient); the loss is rounded too. That
 * bounds the difference.
 */
function shiftLaw(kind: 'completion' | 'pair') {
  return (objective: Objective, batch: LogProbBatch, c: number) => {
    const slope = gradients(objective, batch);
    const sizes = tolerance(batch, 1);
    const base = evaluate(objective, batch).losses;
    const allowed = batch.policyChosen.map((_, i) => {
      const steepest = Math.max(
        Math.abs(at(slope.policyChosen, i)),
        Math.abs(at(slope.policyRejected, i)),
        Math.abs(at(slope.referenceChosen, i)),
        Math.abs(at(slope.referenceRejected, i)),
      );
      // Plus the rounding of the loss itself, which can be large (IPO at a small beta).
      const inputs = 2 ** -21 * ((sizes[i] ?? 0) + 4 * Math.abs(c)) * (steepest + 1e-3);
      return 1e-6 + inputs + 2 ** -21 * Math.abs(at(base, i));
    });
    const moved = evaluate(objective, shifted(batch, kind, c)).losses;
    expectClose(moved, base, allowed);
  };
}

/**
 * Registers the laws of an objective as property tests: finite outputs and
 * gradients at extreme inputs and no tensor left behind, for every
 * objective; and those opted into with `options`. `objectives` draws the
 * objective with random options.
 */
export function objectiveLaws(
  name: string,
  objectives: fc.Arbitrary<Objective>,
  options: ObjectiveLawOptions = {},
): void {
  describe(`${name} laws`, () => {
    it('losses, rewards and gradients stay finite at extreme log-probs and lengths', () => {
      fc.assert(
        fc.property(objectives, extremeBatch, (objective, batch) => {
          const result = evaluate(objective, batch);
          const gradient = gradients(objective, batch);
          const values = [...Object.values(result).flat(), ...Object.values(gradient).flat()];
          for (const value of values) expect(Number.isFinite(value)).toBe(true);
        }),
        { numRuns: 50 },
      );
    });

    it('returns three new tensors and leaves no other behind', () => {
      fc.assert(
        fc.property(objectives, logProbBatch, (objective, batch) => {
          const { input, tensors } = objectiveInput(objective, batch);
          const before = tf.memory().numTensors;
          const output = objective.compute(input);
          expect(tf.memory().numTensors).toBe(before + 3);
          tf.dispose([output.losses, output.chosenRewards, output.rejectedRewards]);
          expect(tf.memory().numTensors).toBe(before);
          tf.dispose(tensors);

          const outside = tf.memory().numTensors;
          evaluate(objective, batch);
          gradients(objective, batch);
          expect(tf.memory().numTensors).toBe(outside);
        }),
        { numRuns: 20 },
      );
    });

    const { monotone } = options;
    if (monotone !== undefined && monotone !== false) {
      it('the loss falls as the chosen log-prob rises and rises with the rejected one', () => {
        fc.assert(
          fc.property(objectives, logProbBatch, (objective, batch) => {
            const gradient = gradients(objective, batch);
            batch.policyChosen.forEach((_, i) => {
              if (typeof monotone === 'function' && !monotone(objective, batch, i)) return;
              expect(at(gradient.policyChosen, i)).toBeLessThanOrEqual(0);
              expect(at(gradient.policyRejected, i)).toBeGreaterThanOrEqual(0);
            });
          }),
        );
      });
    }

    for (const kind of options.shiftInvariance ?? []) {
      const what = kind === 'pair' ? 'all four log-probs' : "one completion's two log-probs";
      it(`adding a constant to ${what} leaves the loss alone`, () => {
        fc.assert(fc.property(objectives, logProbBatch, shiftAmount, shiftLaw(kind)));
      });
    }

    const { zeroMarginLoss } = options;
    if (zeroMarginLoss !== undefined) {
      it('scores a pair whose completions score the same at its zero-margin loss', () => {
        fc.assert(
          fc.property(
            objectives,
            logProb,
            logProb,
            tokenCount,
            (objective, policy, reference, tokens) => {
              const batch = {
                policyChosen: [policy],
                policyRejected: [policy],
                referenceChosen: [reference],
                referenceRejected: [reference],
                chosenTokens: [tokens],
                rejectedTokens: [tokens],
              };
              const expected = zeroMarginLoss(objective);
              expectClose(
                evaluate(objective, batch).losses,
                [expected],
                1e-5 * (1 + Math.abs(expected)),
              );
            },
          ),
        );
      });
    }
  });
}

/**
 * Registers the law that one objective reduces to another: drawn together
 * (H-DPO at alpha = 1 and DPO, say), they give the same losses and rewards,
 * and, with `withGradients`, the same gradients for all four inputs.
 */
export function reductionLaw(
  description: string,
  objectives: fc.Arbitrary<readonly [Objective, Objective]>,
  withGradients = true,
): void {
  it(description, () => {
    fc.assert(
      fc.property(objectives, logProbBatch, ([first, second], batch) => {
        const a = evaluate(first, batch);
        const b = evaluate(second, batch);
        const allowed = tolerance(batch, 1e-5);
        expectClose(a.losses, b.losses, allowed);
        expectClose(a.chosenRewards, b.chosenRewards, allowed);
        expectClose(a.rejectedRewards, b.rejectedRewards, allowed);
        if (!withGradients) return;
        const ga = gradients(first, batch);
        const gb = gradients(second, batch);
        for (const key of [
          'policyChosen',
          'policyRejected',
          'referenceChosen',
          'referenceRejected',
        ] as const) {
          expectClose(ga[key], gb[key], 1e-5);
        }
      }),
    );
  });
}
