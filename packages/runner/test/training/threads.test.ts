import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf } from '@prefopt/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trainingOptions } from '../../src/run-config.js';
import { threadCount } from '../../src/training/threads.js';
import { contiguousShares } from '../../src/training/trainer.js';
import {
  banditConfig,
  metrics,
  run,
  temporaryDirectory,
  transformerConfig,
  writeConfig,
} from './support.js';

const directory = temporaryDirectory();
const threadFault = fileURLToPath(new URL('../fixtures/plugins/thread-fault.mjs', import.meta.url));

describe('contiguousShares', () => {
  it('splits as evenly as it can, the longer runs first', () => {
    expect(contiguousShares([0, 1, 2, 3, 4, 5, 6], 3)).toEqual([
      [0, 1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(contiguousShares([9, 4], 3)).toEqual([[9], [4]]);
    expect(contiguousShares([5, 6, 7, 8], 1)).toEqual([[5, 6, 7, 8]]);
  });

  it('keeps every index once, in order, in at most `count` non-empty runs differing by one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        (xs, n) => {
          const shares = contiguousShares(xs, n);
          expect(shares.flat()).toEqual(xs);
          expect(shares.length).toBe(Math.min(n, xs.length));
          const sizes = shares.map((share) => share.length);
          if (sizes.length > 0) {
            expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1);
            expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
          }
        },
      ),
    );
  });
});

describe('training.threads', () => {
  it('takes auto or a whole number from 1, and names the key otherwise', () => {
    expect(trainingOptions.parse({ steps: 1 }, 'training').threads).toBe('auto');
    expect(trainingOptions.parse({ steps: 1, threads: 3 }, 'training').threads).toBe(3);
    for (const bad of [0, 1.5, 'two', -1]) {
      expect(() => trainingOptions.parse({ steps: 1, threads: bad }, 'training')).toThrow(
        `training.threads: must be auto or integer >= 1, got ${JSON.stringify(bad)}`,
      );
    }
  });
});

describe('threadCount', () => {
  it('takes a number as given (above 1 on wasm and cpu only), for auto one per core there', () => {
    const large = { trainableWeights: 100_000, tokens: 2048 };
    expect(threadCount(3, 'cpu', large, 8)).toBe(3);
    expect(threadCount(1, 'tensorflow', large, 8)).toBe(1);
    expect(() => threadCount(2, 'tensorflow-gpu', large, 8)).toThrow(
      'training.threads: 2 threads need the wasm or cpu backend; tensorflow-gpu uses every core',
    );
    expect(threadCount('auto', 'wasm', large, 2)).toBe(2);
    expect(threadCount('auto', 'cpu', large, 16)).toBe(4);
    expect(threadCount('auto', 'cpu', large, 1)).toBe(1);
    expect(threadCount('auto', 'tensorflow', large, 8)).toBe(1);
    expect(threadCount('auto', 'tensorflow-gpu', large, 8)).toBe(1);
    // The demo's transformer on 16 arithmetic pairs: too little work to share.
    expect(threadCount('auto', 'wasm', { trainableWeights: 135_000, tokens: 512 }, 8)).toBe(1);
  });
});

/** Each number of `actual` within float32 rounding of a few steps of `expected`. */
function expectClose(actual: Record<string, number>[], expected: Record<string, number>[]) {
  expect(actual.map((r) => Object.keys(r).sort())).toEqual(
    expected.map((r) => Object.keys(r).sort()),
  );
  actual.forEach((record, i) => {
    for (const [name, value] of Object.entries(record)) {
      const want = expected[i]?.[name] ?? Number.NaN;
      expect(Math.abs(value - want), `line ${i + 1}: ${name}`).toBeLessThanOrEqual(
        1e-4 * Math.abs(want) + 1e-5,
      );
    }
  });
}

describe('training threads', () => {
  it.each([
    ['a transformer on arithmetic', transformerConfig(4), [2, 3]],
    ['a tabular policy with soft labels', banditConfig(6), [2]],
  ])('train %s as on one thread, up to float32 rounding', async (name, text, counts) => {
    const config = await writeConfig(directory.path, `same-${counts.length}`, text);
    const one = join(directory.path, `one-${counts.length}`);
    await run({ config, set: [`output=${one}`, 'training.threads=1'] });
    const expected = await metrics(one);
    for (const count of counts) {
      const output = join(directory.path, `threads-${count}-${counts.length}`);
      const log: string[] = [];
      const set = [`output=${output}`, `training.threads=${count}`];
      expect(await run({ config, set }, undefined, undefined, log)).toBe(0);
      expect(log, name).toContain(`training on ${count} threads`);
      expectClose(await metrics(output), expected);
    }
  });

  it('resumes a run on another number of threads', async () => {
    const config = await writeConfig(directory.path, 'switch', transformerConfig(4));
    const output = join(directory.path, 'switch');
    expect(await run({ config, set: [`output=${output}`, 'training.threads=2'] }, 2)).toBe(130);
    const set = [`output=${output}`, 'training.threads=1'];
    expect(await run({ resume: output, config, set })).toBe(0);
    expect((await metrics(output)).filter((r) => 'loss' in r).map((r) => r.step)).toEqual([
      1, 2, 3, 4,
    ]);
  });

  it('keeps the tensor count flat from step to step', async () => {
    const config = await writeConfig(directory.path, 'tensors', transformerConfig(4));
    const counts: number[] = [];
    const output = join(directory.path, 'tensors');
    await run({ config, set: [`output=${output}`, 'training.threads=2'] }, undefined, () => {
      counts.push(tf.memory().numTensors);
    });
    expect(counts).toHaveLength(4);
    expect(new Set(counts.slice(1)).size).toBe(1);
  });

  /** Trains with the thread-fault objective on two threads; returns the output directory. */
  async function faultyRun(failAt: 'build' | 'step', error: string): Promise<string> {
    const text = transformerConfig(4).replace(
      'objective: { name: dpo, beta: 0.1, labelSmoothing: 0.1 }',
      `objective: { name: thread-fault, failAt: ${failAt} }\nplugins: [${threadFault}]`,
    );
    const config = await writeConfig(directory.path, `fault-${failAt}`, text);
    const output = join(directory.path, `fault-${failAt}`);
    await expect(run({ config, set: [`output=${output}`, 'training.threads=2'] })).rejects.toThrow(
      `training thread 1: ${error}`,
    );
    return output;
  }

  it('names the thread that could not build its objective, and frees the policy', async () => {
    const output = await faultyRun('build', 'no objective on this thread');
    // Before the reference was scored: nothing was written.
    expect(existsSync(output)).toBe(false);
    // The policy's variable names are free again: the same policy trains.
    const again = await writeConfig(directory.path, 'after-fault', transformerConfig(1));
    expect(await run({ config: again, set: [`output=${join(directory.path, 'after')}`] })).toBe(0);
  });

  it('stops the run with the error of a thread that fails mid-run', async () => {
    const output = await faultyRun('step', 'the second step failed here');
    // The first step was done and logged; nothing after it.
    expect((await metrics(output)).map((r) => r.step)).toEqual([1]);
  });
});
