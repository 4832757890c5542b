import { type AnswerTask, deriveSeed, type Policy, type Tokenizer } from '@prefopt/core';
import { passAtK } from './pass-at-k.js';
import { selfEntropy } from './self-entropy.js';

export interface AnswerEvaluationOptions {
  /** Completions sampled at temperature 1 per prompt, n (default 16). */
  readonly samples?: number;
  /**
   * The k of each pass@k to report, each from 1 to samples (default 1, 2, 4,
   * 8 and 16, less those above samples).
   */
  readonly ks?: readonly number[];
  /** Most completion tokens per completion, the end token included. */
  readonly maxTokens: number;
  /** Seed of every draw, so that an evaluation repeats exactly. */
  readonly seed: number;
  /** Prompts per greedy policy.sample call (default 64). */
  readonly batchSize?: number;
  /** Evaluate only the first `limit` prompts of the task. */
  readonly limit?: number;
  /** Called after each prompt is evaluated, with how many are done out of how many. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** What evaluation found for one prompt. */
export interface PromptEvaluation {
  readonly prompt: string;
  /** The greedy completion, decoded, end token removed. */
  readonly greedy: string;
  readonly greedyCorrect: boolean;
  /** How many of the sampled completions are correct, c. */
  readonly correctSamples: number;
  /** How many distinct decoded answers the sampled completions hold. */
  readonly distinct: number;
}

export interface AnswerEvaluation {
  /** Prompts evaluated. */
  readonly prompts: number;
  /** Completions sampled per prompt, n. */
  readonly samples: number;
  /** The share of prompts whose greedy completion is correct. */
  readonly accuracyGreedy: number;
  /** The mean over prompts of the share of correct samples: the mean pass@1. */
  readonly accuracySampled: number;
  /** The mean over prompts of the unbiased pass@k, keyed by k ("1", "2", ...). */
  readonly passAtK: Readonly<Record<string, number>>;
  /** The mean over prompts of the number of distinct sampled answers. */
  readonly distinctAnswers: number;
  /**
   * The policy's entropy (nats) per token of its own sampled completions,
   * averaged over all sampled tokens of all prompts (each row's mean
   * entropy weighted by its token count). NaN when no token was sampled.
   */
  readonly entropy: number;
  readonly perPrompt: readonly PromptEvaluation[];
}

const defaultKs: readonly number[] = [1, 2, 4, 8, 16];

interface Settings {
  readonly samples: number;
  readonly ks: readonly number[];
  readonly maxTokens: number;
  readonly seed: number;
  readonly batchSize: number;
  readonly limit: number;
}

/** Throws a RangeError naming the option unless `value` is an integer of at least `least`. */
function requireInteger(name: string, value: number, least: number): void {
  if (!Number.isInteger(value) || value < least) {
    throw new RangeError(
      `evaluateAnswers: ${name} must be an integer of at least ${least}, got ${value}`,
    );
  }
}

function settingsOf(options: AnswerEvaluationOptions): Settings {
  const samples = options.samples ?? 16;
  requireInteger('samples', samples, 1);
  const ks = options.ks ?? defaultKs.filter((k) => k <= samples);
  for (const k of ks) {
    if (!Number.isInteger(k) || k < 1 || k > samples) {
      throw new RangeError(
        `evaluateAnswers: ks must hold integers from 1 to samples (${samples}), got ${k}`,
      );
    }
  }
  const settings = {
    samples,
    ks,
    maxTokens: options.maxTokens,
    seed: options.seed,
    batchSize: options.batchSize ?? 64,
    limit: options.limit ?? Number.POSITIVE_INFINITY,
  };
  requireInteger('maxTokens', settings.maxTokens, 1);
  if (!Number.isInteger(settings.seed)) {
    throw new RangeError(`evaluateAnswers: seed must be an integer, got ${settings.seed}`);
  }
  requireInteger('batchSize', settings.batchSize, 1);
  if (options.limit !== undefined) requireInteger('limit', options.limit, 1);
  return settings;
}

/** Prompt ids, checked to leave the policy room for a completion token. */
function encodePrompts(policy: Policy, tokenizer: Tokenizer, texts: readonly string[]): number[][] {
  if (texts.length === 0) throw new RangeError('evaluateAnswers: the task has no prompts');
  return texts.map((text, index) => {
    const ids = tokenizer.encode(text);
    // begin, prompt, and at least one completion token (perhaps the end token).
    if (ids.length + 2 > policy.contextLength) {
      throw new RangeError(
        `evaluateAnswers: prompt ${index} (${JSON.stringify(text)}) is ${ids.length} tokens; ` +
          `the policy's contextLength (${policy.contextLength}) leaves room for at most ` +
          `${policy.contextLength - 2}`,
      );
    }
    return ids;
  });
}

/** A completion's text: the trailing end token removed, then decoded. */
function answerOf(tokenizer: Tokenizer, completion: readonly number[]): string {
  const ended = completion[completion.length - 1] === tokenizer.endId;
  return tokenizer.decode(ended ? completion.slice(0, -1) : completion);
}

/**
 * Grades a policy on a task with checkable answers, the way reasoning
 * benchmarks do: for each prompt, one greedy completion (temperature 0)
 * and n completions sampled at temperature 1, each decoded and checked
 * with task.isCorrect. Reports greedy accuracy, sampled accuracy, the
 * unbiased pass@k (see passAtK), the number of distinct answers and the
 * policy's entropy over its own samples: a sharper policy (H-DPO with
 * alpha < 1) should gain greedy accuracy and pass@1 while losing distinct
 * answers and, perhaps, pass@k at large k.
 *
 * Each prompt's samples come from one policy.sample call of n rows with a
 * seed derived from options.seed and the prompt's position, so that the
 * results depend on the seed alone, not on batchSize: a sample call draws
 * all its rows from one random stream, so batching the samples of several
 * prompts would tie each prompt's draws to its batch-mates. Greedy
 * completions draw nothing and go batchSize prompts per call.
 *
 * A completion that never writes the end token stops at maxTokens (or the
 * policy's context) and is graded as it stands. All tensors it allocates
 * are disposed.
 *
 * Throws a RangeError, naming the option, for samples < 1, a k outside 1 to
 * samples, maxTokens < 1, batchSize < 1, limit < 1, a task with no prompts
 * or a prompt too long for the policy's context.
 */
export function evaluateAnswers(
  policy: Policy,
  task: AnswerTask,
  options: AnswerEvaluationOptions,
): AnswerEvaluation {
  const settings = settingsOf(options);
  const { samples, maxTokens, batchSize } = settings;
  const { tokenizer } = task;
  const texts = task.prompts().slice(0, settings.limit);
  const prompts = encodePrompts(policy, tokenizer, texts);
  const greedySeed = deriveSeed(settings.seed, 'evaluation:greedy');

  const perPrompt: PromptEvaluation[] = [];
  let nats = 0;
  let tokens = 0;
  for (let start = 0; start < prompts.length; start += batchSize) {
    const batch = prompts.slice(start, start + batchSize);
    const greedy = policy.sample(batch, { maxTokens, temperature: 0, seed: greedySeed });

    batch.forEach((prompt, offset) => {
      const index = start + offset;
      const text = texts[index] as string;
      const seed = deriveSeed(settings.seed, `evaluation:sampled:${index}`);
      const sampled = policy.sample(
        Array.from({ length: samples }, () => prompt),
        { maxTokens, temperature: 1, seed },
      );

      const answers = sampled.map((completion) => answerOf(tokenizer, completion));
      const greedyAnswer = answerOf(tokenizer, greedy[offset] ?? []);
      perPrompt.push({
        prompt: text,
        greedy: greedyAnswer,
        greedyCorrect: task.isCorrect(text, greedyAnswer),
        correctSamples: answers.filter((answer) => task.isCorrect(text, answer)).length,
        distinct: new Set(answers).size,
      });

      const entropy = selfEntropy(policy, tokenizer, prompt, sampled);
      nats += entropy.nats;
      tokens += entropy.tokens;
      options.onProgress?.(index + 1, prompts.length);
    });
  }
  return summarise(perPrompt, settings, tokens === 0 ? Number.NaN : nats / tokens);
}

/** The means over prompts of what each prompt found. */
function summarise(
  perPrompt: readonly PromptEvaluation[],
  settings: Settings,
  entropy: number,
): AnswerEvaluation {
  const { samples } = settings;
  const mean = (value: (prompt: PromptEvaluation) => number) =>
    perPrompt.reduce((sum, prompt) => sum + value(prompt), 0) / perPrompt.length;

  const passAtKs: Record<string, number> = {};
  for (const k of settings.ks) {
    passAtKs[String(k)] = mean((prompt) => passAtK(samples, prompt.correctSamples, k));
  }
  return {
    prompts: perPrompt.length,
    samples,
    accuracyGreedy: mean((prompt) => (prompt.greedyCorrect ? 1 : 0)),
    accuracySampled: mean((prompt) => prompt.correctSamples / samples),
    passAtK: passAtKs,
    distinctAnswers: mean((prompt) => prompt.distinct),
    entropy,
    perPrompt,
  };
}
