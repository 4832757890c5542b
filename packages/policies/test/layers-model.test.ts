import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collateRows, type PromptCompletion, silentLogger, tf, toTokenBatch } from '@prefopt/core';
import { afterEach, describe, expect, it } from 'vitest';
import { LayersModelPolicy, layersModel } from '../src/index.js';

const special = { vocabularySize: 12, beginId: 9, endId: 10, paddingId: 11 };
const tokenizer = { ...special, encode: () => [], decode: () => '' };
const rows: PromptCompletion[] = [
  { prompt: [1, 2], completion: [3] },
  { prompt: [4], completion: [5, 6] },
];

/** Ids [B, 6] to logits [B, 6, 12]: an embedding and a dense layer. */
function model(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.embedding({ inputDim: 12, outputDim: 8, inputLength: 6 }),
      tf.layers.dense({ units: 12, kernelInitializer: tf.initializers.randomNormal({ seed: 3 }) }),
    ],
  });
}

const disposables: { dispose(): void }[] = [];
afterEach(() => {
  for (const item of disposables.splice(0)) item.dispose();
});

function logProbsOf(policy: LayersModelPolicy): number[] {
  return tf.tidy(() =>
    Array.from(policy.score(toTokenBatch(collateRows(rows, special))).logProbs.dataSync()),
  );
}

describe('the LayersModel adapter', () => {
  it('pads rows to the model input length and scores completions from its logits', () => {
    const inner = model();
    const policy = new LayersModelPolicy(inner, special);
    disposables.push(policy);
    expect(policy.contextLength).toBe(6);

    // Independently: run the model on rows padded to 6 and sum log-softmax at the targets.
    const padded = collateRows(rows, special, 6);
    const logits = tf.tidy(
      () => inner.predict(tf.tensor2d(padded.ids, [2, 6], 'int32')) as tf.Tensor3D,
    );
    const values = logits.arraySync();
    logits.dispose();
    const expected = rows.map((row, r) => {
      const tokens = [special.beginId, ...row.prompt, ...row.completion, special.endId];
      let sum = 0;
      for (let t = row.prompt.length; t < tokens.length - 1; t++) {
        const z = values[r]?.[t] ?? [];
        const logNormaliser = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
        sum += (z[tokens[t + 1] ?? 0] ?? 0) - logNormaliser;
      }
      return sum;
    });

    logProbsOf(policy).forEach((value, r) => {
      expect(value).toBeCloseTo(expected[r] ?? Number.NaN, 4);
    });
  });

  it('trains the model weights without leaking tensors', () => {
    const policy = new LayersModelPolicy(model(), special);
    disposables.push(policy);
    const optimizer = tf.train.adam(0.05);
    disposables.push(optimizer);
    const before = logProbsOf(policy);
    const step = () =>
      optimizer.minimize(
        () =>
          tf.tidy(() =>
            tf.neg(
              tf.sum<tf.Scalar>(policy.score(toTokenBatch(collateRows(rows, special))).logProbs),
            ),
          ),
        false,
        policy.variables as tf.Variable[],
      );

    step();
    const count = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(count);
    logProbsOf(policy).forEach((value, r) => {
      expect(value).toBeGreaterThan(before[r] ?? Number.NaN);
    });
  });

  it('snapshots a frozen rebuilt copy with the same scores', () => {
    const policy = new LayersModelPolicy(model(), special);
    const reference = policy.snapshot();
    disposables.push(policy, reference);

    expect(reference.variables).toEqual([]);
    expect(reference.model).not.toBe(policy.model);
    logProbsOf(reference).forEach((value, r) => {
      expect(value).toBeCloseTo(logProbsOf(policy)[r] ?? Number.NaN, 6);
    });
  });

  it('loads a model saved as model.json and weights through the plugin', async () => {
    const inner = model();
    const original = new LayersModelPolicy(inner, special);
    disposables.push(original);
    const directory = await mkdtemp(join(tmpdir(), 'prefopt-layers-'));
    try {
      await inner.save(
        tf.io.withSaveHandler(async (artifacts) => {
          await writeFile(
            join(directory, 'weights.bin'),
            new Uint8Array(artifacts.weightData as ArrayBuffer),
          );
          const manifest = {
            modelTopology: artifacts.modelTopology,
            weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
          };
          await writeFile(join(directory, 'model.json'), JSON.stringify(manifest));
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
      const options = layersModel.options.parse({ path: 'model.json' }, 'policy');
      const loaded = (await layersModel.create(options, {
        logger: silentLogger,
        seed: 1,
        baseDirectory: directory,
        tokenizer,
      })) as LayersModelPolicy;
      disposables.push(loaded);

      logProbsOf(loaded).forEach((value, r) => {
        expect(value).toBeCloseTo(logProbsOf(original)[r] ?? Number.NaN, 6);
      });
      await expect(
        layersModel.create(layersModel.options.parse({ path: 'nope.json' }, 'policy'), {
          logger: silentLogger,
          seed: 1,
          baseDirectory: directory,
          tokenizer,
        }),
      ).rejects.toThrow(`${join(directory, 'nope.json')}: cannot read the model (ENOENT)`);
    } finally {
      await rm(directory, { recursive: true });
    }
  });
});
