import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf } from '@prefopt/core';
import { describe, expect, it } from 'vitest';
import {
  banditConfig,
  metrics,
  run,
  temporaryDirectory,
  transformerConfig,
  writeConfig,
} from './support.js';

const directory = temporaryDirectory();

const trainNames = [
  'step',
  'epoch',
  'loss',
  'rewards/chosen',
  'rewards/rejected',
  'rewards/accuracies',
  'rewards/margins',
  'logps/chosen',
  'logps/rejected',
  'entropy',
  'grad_norm',
  'learning_rate',
  'pairs_per_second',
];

describe('prefopt train', () => {
  it('writes every metric each step, evaluates, and checkpoints', async () => {
    const output = join(directory.path, 'full');
    const config = await writeConfig(directory.path, 'full', banditConfig(10));
    expect(await run({ config, set: [`output=${output}`] })).toBe(0);

    const lines = (await readFile(join(output, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    const records = lines.map((line) => JSON.parse(line) as Record<string, number>);
    const trainLines = records.filter((r) => 'loss' in r);
    const evalLines = records.filter((r) => 'eval/loss' in r);
    expect(trainLines.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const record of trainLines) {
      expect(Object.keys(record).sort()).toEqual([...trainNames].sort());
      for (const value of Object.values(record)) expect(Number.isFinite(value)).toBe(true);
      expect(record.grad_norm).toBeGreaterThan(0);
    }
    // Evaluations every 3 steps and at the end.
    expect(evalLines.map((r) => r.step)).toEqual([3, 6, 9, 10]);
    expect(trainLines[9]?.loss).toBeLessThan(trainLines[0]?.loss ?? 0);
    // Warmup over 2 steps: 0.025 then 0.05; clipping holds no step to a norm above 0.5.
    expect(trainLines[0]?.learning_rate).toBeCloseTo(0.025, 10);
    expect(trainLines[1]?.learning_rate).toBeCloseTo(0.05, 10);

    const checkpoints = (await readdir(join(output, 'checkpoints'))).sort();
    expect(checkpoints).toEqual(['latest.json', 'step-00000008', 'step-00000010']);
    const state = JSON.parse(
      await readFile(join(output, 'checkpoints', 'step-00000010', 'state.json'), 'utf8'),
    );
    expect(state).toMatchObject({ step: 10, complete: true });
  });

  it('gives identical metrics for the same seed and config', async () => {
    const config = await writeConfig(directory.path, 'twice', banditConfig(6));
    await run({ config, set: [`output=${join(directory.path, 'twice-a')}`] });
    await run({ config, set: [`output=${join(directory.path, 'twice-b')}`] });
    expect(await metrics(join(directory.path, 'twice-b'))).toEqual(
      await metrics(join(directory.path, 'twice-a')),
    );
  });

  it.each([
    ['bandit with a tabular policy', banditConfig(10), 5],
    ['bandit stopped just after a periodic checkpoint', banditConfig(10), 4],
    ['arithmetic with a transformer', transformerConfig(6), 3],
  ])(
    'resumes %s so the rest of the run is identical to one never interrupted',
    async (name, text, stopAt) => {
      const config = await writeConfig(directory.path, `resume-${stopAt}`, text);
      const straight = join(directory.path, `straight-${stopAt}`);
      const interrupted = join(directory.path, `interrupted-${stopAt}`);
      expect(await run({ config, set: [`output=${straight}`] })).toBe(0);

      expect(await run({ config, set: [`output=${interrupted}`] }, stopAt)).toBe(130);
      const partial = await metrics(interrupted);
      expect(Math.max(...partial.map((r) => r.step ?? 0))).toBe(stopAt);
      expect(await run({ resume: interrupted })).toBe(0);

      expect(await metrics(interrupted), name).toEqual(await metrics(straight));
    },
  );

  it('keeps the tensor count flat from step to step', async () => {
    const config = await writeConfig(directory.path, 'tensors', transformerConfig(5));
    const counts: number[] = [];
    await run({ config, set: [`output=${join(directory.path, 'tensors')}`] }, undefined, () => {
      counts.push(tf.memory().numTensors);
    });
    expect(counts).toHaveLength(5);
    expect(new Set(counts.slice(1)).size).toBe(1);
  });

  it('stores weights as a TensorFlow.js weights manifest that tfjs alone can read', async () => {
    const output = join(directory.path, 'full', 'checkpoints', 'step-00000010');
    const manifest = JSON.parse(await readFile(join(output, 'policy.json'), 'utf8'));
    const [group] = manifest.weightsManifest;
    const bytes = await readFile(join(output, group.paths[0]));
    const weights = tf.io.decodeWeights(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      group.weights,
    );
    expect(Object.keys(weights)).toEqual(['policy/logits']);
    expect(weights['policy/logits']?.shape).toEqual([3, 4]);
    // Trained from a uniform start: the logits are no longer all equal.
    const values = Array.from(weights['policy/logits']?.dataSync() ?? []);
    expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(0.1);
    tf.dispose(Object.values(weights));
  });

  it('starts over, without doubled metrics, a run killed before its first checkpoint', async () => {
    const config = await writeConfig(directory.path, 'killed', banditConfig(6));
    const output = join(directory.path, 'killed');
    const reference = join(directory.path, 'killed-reference');
    await run({ config, set: [`output=${reference}`] });
    await run({ config, set: [`output=${output}`] });
    // As if killed at once after step 3, before any checkpoint was written.
    await rm(join(output, 'checkpoints'), { recursive: true });
    const lines = (await readFile(join(output, 'metrics.jsonl'), 'utf8')).split('\n').slice(0, 3);
    await writeFile(join(output, 'metrics.jsonl'), `${lines.join('\n')}\n`);

    expect(await run({ resume: output })).toBe(0);
    expect(await metrics(output)).toEqual(await metrics(reference));
  });

  it('resumes from the last whole checkpoint when a later write was cut short', async () => {
    const config = await writeConfig(directory.path, 'crash', banditConfig(8));
    const output = join(directory.path, 'crash');
    expect(await run({ config, set: [`output=${output}`] }, 5)).toBe(130);
    // A crash while writing the next checkpoint leaves a partial directory behind.
    await mkdir(join(output, 'checkpoints', 'step-00000006.partial'));
    await writeFile(join(output, 'checkpoints', 'step-00000006.partial', 'policy.bin'), 'garbage');
    await writeFile(join(output, 'metrics.jsonl'), '{"step": 6, "loss": 1}\n{"step": 7, "lo', {
      flag: 'a',
    });
    expect(await run({ resume: output })).toBe(0);

    const reference = join(directory.path, 'crash-reference');
    await run({ config, set: [`output=${reference}`] });
    expect(await metrics(output)).toEqual(await metrics(reference));
    expect(existsSync(join(output, 'checkpoints', 'step-00000006.partial'))).toBe(false);
  });
});
