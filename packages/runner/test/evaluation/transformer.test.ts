import { tf } from '@prefopt/core';
import { ArithmeticTask } from '@prefopt/datasets';
import { TransformerPolicy, transformerOptions } from '@prefopt/policies';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AnswerEvaluationOptions,
  evaluateAnswers,
  selfEntropy,
} from '../../src/evaluation/index.js';

const task = new ArithmeticTask(
  { maxOperand: 3, operations: ['+', '*'], count: 1, split: 'train', flipRate: 0 },
  1,
);
const { tokenizer } = task;

const created: TransformerPolicy[] = [];
function policy(seed = 5): TransformerPolicy {
  const options = transformerOptions.parse(
    { layers: 1, width: 8, heads: 2, contextLength: 12, scope: `evaluation${created.length}` },
    '',
  );
  const made = TransformerPolicy.create(options, tokenizer, seed);
  created.push(made);
  return made;
}
afterEach(() => {
  for (const made of created.splice(0)) made.dispose();
});

const options: AnswerEvaluationOptions = {
  samples: 4,
  ks: [1, 2, 4],
  maxTokens: 4,
  seed: 3,
  limit: 4,
};

describe('evaluateAnswers on a transformer and the arithmetic task', () => {
  it('gives finite figures, shares within [0, 1], pass@k non-decreasing in k', () => {
    const model = policy();
    const before = tf.memory().numTensors;
    const result = evaluateAnswers(model, task, options);
    expect(tf.memory().numTensors).toBe(before);

    expect(result.prompts).toBe(4);
    expect(result.perPrompt.map((prompt) => prompt.prompt)).toEqual(task.prompts().slice(0, 4));
    for (const share of [result.accuracyGreedy, result.accuracySampled, result.passAtK['1']]) {
      expect(share).toBeGreaterThanOrEqual(0);
      expect(share).toBeLessThanOrEqual(1);
    }
    const passes = ['1', '2', '4'].map((k) => result.passAtK[k] ?? Number.NaN);
    for (let i = 1; i < passes.length; i++) {
      expect(passes[i]).toBeGreaterThanOrEqual(passes[i - 1] ?? Number.NaN);
      expect(passes[i]).toBeLessThanOrEqual(1);
    }
    // Between 1 and n = 4 distinct answers per prompt.
    expect(result.distinctAnswers).toBeGreaterThanOrEqual(1);
    expect(result.distinctAnswers).toBeLessThanOrEqual(4);
    // An entropy over V = 259 tokens lies in (0, ln 259].
    expect(Number.isFinite(result.entropy)).toBe(true);
    expect(result.entropy).toBeGreaterThan(0);
    expect(result.entropy).toBeLessThanOrEqual(Math.log(259) + 1e-6);
    for (const prompt of result.perPrompt) {
      expect(prompt.correctSamples).toBeGreaterThanOrEqual(0);
      expect(prompt.correctSamples).toBeLessThanOrEqual(4);
      expect(prompt.greedyCorrect).toBe(task.isCorrect(prompt.prompt, prompt.greedy));
    }
  });

  it('repeats for a seed, whatever the batch size, and changes with the seed', () => {
    const model = policy();
    const first = evaluateAnswers(model, task, options);
    expect(evaluateAnswers(model, task, options)).toEqual(first);
    expect(evaluateAnswers(model, task, { ...options, batchSize: 1 })).toEqual(first);
    expect(evaluateAnswers(model, task, { ...options, batchSize: 3 })).toEqual(first);
    // Other samples from a near-uniform policy over 259 tokens give another entropy.
    expect(evaluateAnswers(model, task, { ...options, seed: 4 }).entropy).not.toBe(first.entropy);
  });
});

describe('selfEntropy', () => {
  it('sums the entropy at sampled positions, adding no end token to a cut row', () => {
    const model = policy();
    const prompt = tokenizer.encode('3*3=');
    // A cut completion that fills the context (begin + 4 + 7 = 12) and one that ended.
    const cut = tokenizer.encode('1234567');
    const ended = [...tokenizer.encode('9'), tokenizer.endId];

    // Independently, in float64 from the model's logits: the token at t + 1 is
    // predicted at t, so the 7 cut tokens at positions 5..11 are predicted at
    // 4..10 and the ended row's 2 tokens at positions 5..6 at 4..5.
    const entropyAt = (ids: number[], positions: number[]) => {
      const logits = tf.tidy(
        () => model.logits(tf.tensor2d([ids], [1, ids.length], 'int32')).arraySync()[0] ?? [],
      );
      return positions.reduce((sum, t) => {
        const z = logits[t] ?? [];
        const top = Math.max(...z);
        const logNormaliser = top + Math.log(z.reduce((s, v) => s + Math.exp(v - top), 0));
        return sum - z.reduce((s, v) => s + Math.exp(v - logNormaliser) * (v - logNormaliser), 0);
      }, 0);
    };
    const expected =
      entropyAt([tokenizer.beginId, ...prompt, ...cut], [4, 5, 6, 7, 8, 9, 10]) +
      entropyAt([tokenizer.beginId, ...prompt, ...ended], [4, 5]);

    const before = tf.memory().numTensors;
    const total = selfEntropy(model, tokenizer, prompt, [cut, ended, []]);
    expect(tf.memory().numTensors).toBe(before);
    expect(total.tokens).toBe(9);
    expect(total.nats).toBeCloseTo(expected, 3);
  });
});
