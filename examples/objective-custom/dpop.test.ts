import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Objective } from '@prefopt/core';
import { DpoObjective } from '@prefopt/objective-dpo';
import { train } from '@prefopt/runner';
import { beta, evaluate, expectClose, objectiveLaws, reductionLaw } from '@prefopt/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript module, as a user would publish it.
import dpop, { DpopObjective } from './index.mjs';

const config = fileURLToPath(new URL('./run.yaml', import.meta.url));
const dpopWith = (options: { beta: number; lambda: number }) =>
  new DpopObjective(options) as Objective;

objectiveLaws(
  'DPOP',
  fc
    .tuple(beta, fc.double({ min: 0, max: 100, noNaN: true }))
    .map(([b, l]) => dpopWith({ beta: b, lambda: l })),
  // No zero-margin law: its penalty counts even when chosen and rejected score the same.
  { monotone: true, shiftInvariance: ['pair'] },
);

describe('the example objective outside the workspace', () => {
  reductionLaw(
    'DPOP with lambda = 0 is DPO',
    beta.map(
      (b) =>
        [
          dpopWith({ beta: b, lambda: 0 }),
          new DpoObjective({ beta: b, labelSmoothing: 0 }),
        ] as const,
    ),
  );

  it('penalises a chosen log-prob below the reference', () => {
    // beta 1, lambda 2; pc = -5, rc = -4, pr = -9, rr = -6: log-ratios -1 and -3, margin 2,
    // penalty 2 * max(0, -4 + 5) = 2, so z = 0 and the loss is log 2 (DPO's would be
    // softplus(-2) = 0.126928).
    const batch = {
      policyChosen: [-5],
      policyRejected: [-9],
      referenceChosen: [-4],
      referenceRejected: [-6],
    };
    expectClose(evaluate(dpopWith({ beta: 1, lambda: 2 }), batch).losses, [Math.LN2], 1e-6);
    expectClose(evaluate(dpopWith({ beta: 1, lambda: 0 }), batch).losses, [0.126928011], 1e-6);
  });

  it('validates its options like a built-in objective', () => {
    expect(() => dpop.options.parse({ lambda: -1 }, 'objective')).toThrow(
      'objective.lambda: must be number >= 0, got -1',
    );
  });

  it('trains through the runner when a config names it under plugins', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'prefopt-custom-'));
    try {
      const quiet = { info() {}, warn() {} };
      const progress = () => ({ step() {}, event() {}, end() {} });
      const code = await train(
        { config, set: [`output=${directory}`, 'training.steps=30'] },
        { logger: quiet, progress, print: () => {} },
      );
      expect(code).toBe(0);
      const lines = (await readFile(join(directory, 'metrics.jsonl'), 'utf8')).trim().split('\n');
      const losses = lines.map((line) => JSON.parse(line).loss as number);
      expect(losses).toHaveLength(30);
      expect(losses[29]).toBeLessThan(losses[0] ?? 0);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
