import { join, resolve } from 'node:path';
import { isAnswerTask, type Logger, type PreferenceDataset, UserError } from '@prefopt/core';
import { type AnswerEvaluation, evaluateAnswers } from '../evaluation/index.js';
import { writeFileAtomic } from '../files.js';
import { loadPolicy } from '../loaded-policy.js';

export interface EvaluateArguments {
  /** A run directory: its final policy is evaluated and eval.json written there. */
  readonly run?: string;
  /** Or a config: its starting policy (after `init`) is evaluated. */
  readonly config?: string;
  readonly samples: number;
  readonly maxTokens: number;
  readonly limit?: number;
  readonly seed?: number;
}

export interface EvaluateEnvironment {
  readonly logger: Logger;
  readonly print: (text: string) => void;
  /** Progress over prompts, redrawn on a terminal. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** The evaluation figures as a small table, one per line. */
export function formatEvaluation(result: AnswerEvaluation): string {
  const percent = (share: number) => `${(100 * share).toFixed(1)}%`;
  const lines = [
    `prompts              ${result.prompts} (${result.samples} samples each)`,
    `accuracy, greedy     ${percent(result.accuracyGreedy)}`,
    `accuracy, T = 1      ${percent(result.accuracySampled)}`,
    ...Object.entries(result.passAtK).map(([k, value]) => `pass@${k.padEnd(15)} ${percent(value)}`),
    `distinct answers     ${result.distinctAnswers.toFixed(2)} per prompt`,
    `entropy              ${result.entropy.toFixed(3)} nats per token`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The held-out task if it can grade answers, else the training task if it can. */
function answerTask(datasets: (PreferenceDataset | undefined)[]) {
  const task = datasets.find((dataset) => dataset !== undefined && isAnswerTask(dataset));
  if (task === undefined || !isAnswerTask(task)) {
    throw new UserError(
      'eval: neither data.eval nor data.train is a task with checkable answers ' +
        '(such as arithmetic)',
    );
  }
  return task;
}

/**
 * `prefopt eval`: grades a policy's own answers on a task with checkable
 * answers: greedy and sampled accuracy, pass@k, distinct answers and
 * entropy. For a run, writes them to `<run>/eval.json`.
 */
export async function evaluate(
  args: EvaluateArguments,
  environment: EvaluateEnvironment,
): Promise<number> {
  const { trainDataset, evalDataset, policy, config } = await loadPolicy(
    args,
    environment.logger,
    'eval',
  );
  try {
    const task = answerTask([evalDataset, trainDataset]);
    const result = evaluateAnswers(policy, task, {
      samples: args.samples,
      maxTokens: args.maxTokens,
      seed: args.seed ?? config.seed,
      ...(args.limit === undefined ? {} : { limit: args.limit }),
      ...(environment.onProgress === undefined ? {} : { onProgress: environment.onProgress }),
    });
    environment.print(formatEvaluation(result));
    if (args.run !== undefined) {
      const { perPrompt: _perPrompt, ...summary } = result;
      const file = join(resolve(args.run), 'eval.json');
      await writeFileAtomic(file, `${JSON.stringify(summary, null, 2)}\n`);
      environment.logger.info(`wrote ${file}`);
    }
    return 0;
  } finally {
    policy.dispose();
  }
}
