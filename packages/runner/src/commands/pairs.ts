import { resolve } from 'node:path';
import { type AnswerTask, isAnswerTask, type Logger, UserError } from '@prefopt/core';
import { writeFileAtomic } from '../files.js';
import { loadPolicy, type PolicySource } from '../loaded-policy.js';

export interface PairsArguments extends PolicySource {
  /** The JSONL file to write. */
  readonly out: string;
  /** Completions sampled per prompt at temperature 1. */
  readonly samples: number;
  readonly maxTokens: number;
  /** Most pairs per prompt, one per distinct wrong answer. */
  readonly perPrompt: number;
  readonly seed?: number;
}

/** A preference pair of text, as a line of a JSONL preference file. */
export interface TextPair {
  readonly prompt: string;
  readonly chosen: string;
  readonly rejected: string;
}

/**
 * Pairs from a policy's own answers: for each prompt, `samples` completions
 * at temperature 1, graded; each distinct wrong answer (up to `perPrompt`)
 * becomes a rejected completion against a correct one, the policy's own if
 * it found one, else the task's. Prompts it always answers right give none;
 * empty answers, and samples cut off before their end token, are left out.
 */
export function pairsFromSamples(
  completionsOf: (prompts: number[][]) => number[][],
  task: AnswerTask,
  samples: number,
  perPrompt: number,
): TextPair[] {
  const { tokenizer } = task;
  const prompts = task.prompts();
  const rows = prompts.flatMap((prompt) =>
    Array.from({ length: samples }, () => tokenizer.encode(prompt)),
  );
  const completions = completionsOf(rows);
  // A sample cut off before its end token is no whole answer: it is left out.
  const text = (ids: readonly number[]) =>
    ids[ids.length - 1] === tokenizer.endId ? tokenizer.decode(ids.slice(0, -1)) : undefined;

  return prompts.flatMap((prompt, p) => {
    const answers = completions
      .slice(p * samples, (p + 1) * samples)
      .map(text)
      .filter((answer): answer is string => answer !== undefined);
    const chosen =
      answers.find((answer) => task.isCorrect(prompt, answer)) ?? task.correctAnswer(prompt);
    // An empty answer is wrong, but a preference file has no empty completions.
    const wrong = [
      ...new Set(answers.filter((answer) => answer !== '' && !task.isCorrect(prompt, answer))),
    ];
    return wrong.slice(0, perPrompt).map((rejected) => ({ prompt, chosen, rejected }));
  });
}

/**
 * `prefopt pairs`: writes preference pairs from a policy's own samples on
 * its run's training task, as a JSONL file that the jsonl dataset reads.
 */
export async function pairs(args: PairsArguments, logger: Logger): Promise<number> {
  const { policy, trainDataset, config } = await loadPolicy(args, logger, 'pairs');
  try {
    if (!isAnswerTask(trainDataset)) {
      throw new UserError(
        'pairs: data.train is not a task with checkable answers (such as arithmetic)',
      );
    }
    const seed = args.seed ?? config.seed;
    const sampleOptions = { maxTokens: args.maxTokens, temperature: 1, seed };
    // Rows go to the sampler in chunks, so memory stays bounded for large tasks.
    const chunk = 256;
    const completionsOf = (rows: number[][]) => {
      const completions: number[][] = [];
      for (let start = 0; start < rows.length; start += chunk) {
        completions.push(
          ...policy.sample(rows.slice(start, start + chunk), {
            ...sampleOptions,
            seed: seed + start,
          }),
        );
      }
      return completions;
    };

    // Pairs whose rows would not fit the policy's context are dropped.
    const fits = (pair: TextPair) =>
      2 +
        trainDataset.tokenizer.encode(pair.prompt).length +
        Math.max(
          trainDataset.tokenizer.encode(pair.chosen).length,
          trainDataset.tokenizer.encode(pair.rejected).length,
        ) <=
      policy.contextLength;
    const sampled = pairsFromSamples(completionsOf, trainDataset, args.samples, args.perPrompt);
    const found = sampled.filter(fits);
    if (found.length === 0) {
      throw new UserError(
        sampled.length === 0
          ? 'pairs: the policy answered every prompt right; no pairs to write'
          : `pairs: all ${sampled.length} pairs are longer than the policy's context ` +
              `of ${policy.contextLength} tokens`,
      );
    }
    const out = resolve(args.out);
    await writeFileAtomic(out, found.map((pair) => `${JSON.stringify(pair)}\n`).join(''));
    const prompts = new Set(found.map((pair) => pair.prompt)).size;
    logger.info(`wrote ${found.length} pairs for ${prompts} prompts to ${out}`);
    return 0;
  } finally {
    policy.dispose();
  }
}
