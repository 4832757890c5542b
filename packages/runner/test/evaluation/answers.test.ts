import type { AnswerTask, Policy, SampleOptions, Scores, TokenBatch } from '@prefopt/core';
import { tf } from '@prefopt/core';
import { ByteTokenizer } from '@prefopt/datasets';
import { describe, expect, it } from 'vitest';
import { type AnswerEvaluationOptions, evaluateAnswers } from '../../src/evaluation/index.js';

const tokenizer = new ByteTokenizer();

/** A task whose answer to a prompt is the prompt in capitals: "a" -> "A". */
function capitalsTask(prompts: readonly string[]): AnswerTask {
  return {
    tokenizer,
    prompts: () => [...prompts],
    isCorrect: (prompt, completion) => completion === prompt.toUpperCase(),
    correctAnswer: (prompt) => prompt.toUpperCase(),
  };
}

/**
 * What the scripted policy writes for a prompt. A trailing "$" stands for
 * the end token; a completion is cut to maxTokens tokens, as a real
 * sampler cuts it.
 */
interface Script {
  readonly greedy: string;
  /** Handed out in turn, one per sampled row of the prompt, cycling. */
  readonly sampled: readonly string[];
}

/** Ids of a scripted completion: its bytes, then the end token if it ends in "$". */
function idsOf(scripted: string): number[] {
  const ended = scripted.endsWith('$');
  const ids = tokenizer.encode(ended ? scripted.slice(0, -1) : scripted);
  return ended ? [...ids, tokenizer.endId] : ids;
}

/** Completion ids back to script text, the end token as "$". */
function scriptOf(ids: readonly number[]): string {
  return ids.map((id) => (id === tokenizer.endId ? '$' : String.fromCharCode(id))).join('');
}

/**
 * A policy whose completions are scripted, so every figure of an
 * evaluation can be worked out by hand. Its score reports each row's
 * completion tokens as the row's mean entropy, so the weighting of the
 * entropy mean shows, and it records what it scored and how it was called.
 */
class ScriptedPolicy implements Policy {
  readonly vocabularySize = tokenizer.vocabularySize;
  readonly contextLength = 16;
  readonly variables = [];
  readonly sampleCalls: { rows: number; temperature: number; seed: number }[] = [];
  /** The completion tokens of every scored row, as script text. */
  readonly scored: string[] = [];
  private readonly drawn = new Map<string, number>();

  constructor(private readonly scripts: Readonly<Record<string, Script>>) {}

  sample(prompts: readonly (readonly number[])[], options: SampleOptions): number[][] {
    this.sampleCalls.push({
      rows: prompts.length,
      temperature: options.temperature,
      seed: options.seed,
    });
    return prompts.map((ids) => {
      const text = tokenizer.decode(ids);
      const script = this.scripts[text];
      if (script === undefined) throw new Error(`no script for ${text}`);
      let scripted = script.greedy;
      if (options.temperature !== 0) {
        const turn = this.drawn.get(text) ?? 0;
        this.drawn.set(text, turn + 1);
        scripted = script.sampled[turn % script.sampled.length] ?? '';
      }
      return idsOf(scripted).slice(0, options.maxTokens);
    });
  }

  score(batch: TokenBatch): Scores {
    const [rows, length] = batch.ids.shape;
    const ids = batch.ids.dataSync();
    const mask = batch.completionMask.dataSync();
    const counts: number[] = [];
    for (let r = 0; r < rows; r++) {
      const completion: number[] = [];
      for (let t = 0; t < length; t++) {
        if (mask[r * length + t] === 1) completion.push(ids[r * length + t] ?? -1);
      }
      this.scored.push(scriptOf(completion));
      counts.push(completion.length);
    }
    return {
      logProbs: tf.zeros([rows]),
      tokens: tf.tensor1d(counts),
      entropy: tf.tensor1d(counts),
    };
  }

  snapshot(): Policy {
    return this;
  }

  dispose(): void {}
}

const scripts: Record<string, Script> = {
  // Greedy right; samples right 3 times of 4; answers {A, x}.
  a: { greedy: 'A$', sampled: ['A$', 'A$', 'x$', 'A$'] },
  // Greedy wrong; samples right once; "zzzz" is cut at 3 tokens, and "zzz$"
  // loses its end token to the cut, so both read "zzz": answers {B, zzz, w}.
  b: { greedy: 'y$', sampled: ['B$', 'zzzz', 'zzz$', 'w$'] },
  // Greedy "CCCC" cut to "CCC", wrong; samples never right; answers {q}.
  c: { greedy: 'CCCC', sampled: ['q$', 'q$', 'q$', 'q$'] },
};
const task = capitalsTask(['a', 'b', 'c']);
const options: AnswerEvaluationOptions = { samples: 4, ks: [1, 2, 4], maxTokens: 3, seed: 11 };

describe('evaluateAnswers on a scripted policy', () => {
  it('reports the figures worked out by hand', () => {
    const result = evaluateAnswers(new ScriptedPolicy(scripts), task, options);

    expect(result.prompts).toBe(3);
    expect(result.samples).toBe(4);
    // Greedy: only "a" is right, 1 of 3.
    expect(result.accuracyGreedy).toBeCloseTo(1 / 3, 12);
    // Correct samples c = 3, 1, 0 of n = 4: (3/4 + 1/4 + 0) / 3 = 1/3.
    expect(result.accuracySampled).toBeCloseTo(1 / 3, 12);
    // pass@1 per prompt: 3/4, 1/4, 0; mean 1/3.
    // pass@2: a has n - c = 1 < 2, so 1; b is 1 - C(3, 2) / C(4, 2) = 1/2; c is 0; mean 1/2.
    // pass@4: a 1; b has n - c = 3 < 4, so 1; c 0; mean 2/3.
    expect(Object.keys(result.passAtK)).toEqual(['1', '2', '4']);
    expect(result.passAtK['1']).toBeCloseTo(1 / 3, 12);
    expect(result.passAtK['2']).toBeCloseTo(1 / 2, 12);
    expect(result.passAtK['4']).toBeCloseTo(2 / 3, 12);
    // Distinct answers 2, 3, 1: mean 2.
    expect(result.distinctAnswers).toBeCloseTo(2, 12);
    // Row tokens (the end token counted where written): a 2, 2, 2, 2; b 2, 3, 3, 2;
    // c 2, 2, 2, 2; 26 in all. Each row's entropy is its token count, so the
    // token-weighted mean is (16 + 26 + 16) / 26 = 58/26 = 29/13 (a plain mean
    // over rows would be 26/12, and an end token added to the cut rows 72/28).
    expect(result.entropy).toBeCloseTo(29 / 13, 6);
    expect(result.perPrompt).toEqual([
      { prompt: 'a', greedy: 'A', greedyCorrect: true, correctSamples: 3, distinct: 2 },
      { prompt: 'b', greedy: 'y', greedyCorrect: false, correctSamples: 1, distinct: 3 },
      { prompt: 'c', greedy: 'CCC', greedyCorrect: false, correctSamples: 0, distinct: 1 },
    ]);
  });

  it('scores each sampled completion as written: its end token if any, none added', () => {
    const policy = new ScriptedPolicy(scripts);
    evaluateAnswers(policy, task, options);
    expect(policy.scored).toEqual([
      ...['A$', 'A$', 'x$', 'A$'],
      ...['B$', 'zzz', 'zzz', 'w$'],
      ...['q$', 'q$', 'q$', 'q$'],
    ]);
  });

  it('defaults to 16 samples and pass@k for k = 1, 2, 4, 8, 16', () => {
    const { samples, ks, ...rest } = options;
    const result = evaluateAnswers(new ScriptedPolicy(scripts), task, rest);
    expect(result.samples).toBe(16);
    expect(Object.keys(result.passAtK)).toEqual(['1', '2', '4', '8', '16']);
    // Each prompt's 16 samples are its 4 scripted ones 4 times: c = 12, 4, 0.
    // pass@1 = (12/16 + 4/16 + 0) / 3 = 1/3. pass@16: a and b have n - c < 16, so 1;
    // c is 0; mean 2/3.
    expect(result.passAtK['1']).toBeCloseTo(1 / 3, 12);
    expect(result.passAtK['16']).toBeCloseTo(2 / 3, 12);
    expect(result.distinctAnswers).toBeCloseTo(2, 12);
  });

  it('leaves out default ks above the number of samples', () => {
    const { ks, ...rest } = options;
    const result = evaluateAnswers(new ScriptedPolicy(scripts), task, rest);
    expect(Object.keys(result.passAtK)).toEqual(['1', '2', '4']);
  });

  it('evaluates only the first `limit` prompts', () => {
    const result = evaluateAnswers(new ScriptedPolicy(scripts), task, { ...options, limit: 2 });
    expect(result.prompts).toBe(2);
    expect(result.perPrompt.map((prompt) => prompt.prompt)).toEqual(['a', 'b']);
    // Greedy: a right, b wrong: 1/2. pass@2: a 1, b 1/2: mean 3/4.
    expect(result.accuracyGreedy).toBeCloseTo(1 / 2, 12);
    expect(result.passAtK['2']).toBeCloseTo(3 / 4, 12);
  });

  it('sends greedy prompts batchSize at a time and each prompt its own sampled call', () => {
    const policy = new ScriptedPolicy(scripts);
    const batched = evaluateAnswers(policy, task, { ...options, batchSize: 2 });

    const greedy = policy.sampleCalls.filter((call) => call.temperature === 0);
    const sampled = policy.sampleCalls.filter((call) => call.temperature === 1);
    expect(greedy.map((call) => call.rows)).toEqual([2, 1]);
    expect(sampled.map((call) => call.rows)).toEqual([4, 4, 4]);
    // Every prompt draws from its own seed.
    expect(new Set(sampled.map((call) => call.seed)).size).toBe(3);
    expect(batched).toEqual(evaluateAnswers(new ScriptedPolicy(scripts), task, options));
  });

  it('reports progress after each prompt', () => {
    const progress: [number, number][] = [];
    evaluateAnswers(new ScriptedPolicy(scripts), task, {
      ...options,
      batchSize: 2,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(progress).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it('leaves the number of tensors unchanged', () => {
    const before = tf.memory().numTensors;
    evaluateAnswers(new ScriptedPolicy(scripts), task, options);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad options with a RangeError naming the option', () => {
    const policy = new ScriptedPolicy(scripts);
    const run = (changes: Partial<AnswerEvaluationOptions>) => () =>
      evaluateAnswers(policy, task, { ...options, ...changes });

    expect(run({ samples: 0 })).toThrow(RangeError);
    expect(run({ samples: 0 })).toThrow(/samples must be an integer of at least 1, got 0/);
    expect(run({ samples: 2.5 })).toThrow(/samples/);
    expect(run({ ks: [1, 5] })).toThrow(/ks must hold integers from 1 to samples \(4\), got 5/);
    expect(run({ ks: [0] })).toThrow(/\bks\b/);
    expect(run({ samples: 2, ks: [4] })).toThrow(/\bks\b/);
    expect(run({ maxTokens: 0 })).toThrow(/maxTokens/);
    expect(run({ batchSize: 0 })).toThrow(/batchSize/);
    expect(run({ limit: 0 })).toThrow(/limit/);
    expect(run({ seed: 0.5 })).toThrow(/seed/);
  });

  it('rejects a task with no prompts', () => {
    const empty = capitalsTask([]);
    expect(() => evaluateAnswers(new ScriptedPolicy(scripts), empty, options)).toThrow(RangeError);
    expect(() => evaluateAnswers(new ScriptedPolicy(scripts), empty, options)).toThrow(
      /no prompts/,
    );
  });

  it('rejects a prompt that leaves the policy no room for a completion', () => {
    // Context 16: begin + 14 prompt tokens + 1 completion token fits; 15 do not.
    const fits = 'd'.repeat(14);
    const tooLong = 'e'.repeat(15);
    const policy = new ScriptedPolicy({
      [fits]: { greedy: '$', sampled: ['$'] },
      [tooLong]: { greedy: '$', sampled: ['$'] },
    });
    expect(() => evaluateAnswers(policy, capitalsTask([fits]), options)).not.toThrow();
    expect(() => evaluateAnswers(policy, capitalsTask([fits, tooLong]), options)).toThrow(
      /prompt 1 .* is 15 tokens; the policy's contextLength \(16\)/,
    );
  });
});
