import { resolve } from 'node:path';
import {
  type AnyPlugin,
  type DatasetPlugin,
  type Infer,
  object,
  oneOf,
  type PreferenceDataset,
  string,
} from '@prefopt/core';
import { type ArithmeticOptions, ArithmeticTask, arithmeticOptions } from './arithmetic.js';
import { type BanditOptions, BanditTask, banditOptions } from './bandit.js';
import { ByteTokenizer } from './bytes.js';
import { readPreferenceFile } from './jsonl.js';

export const jsonlOptions = object({
  path: string({
    description: 'the JSONL file of preference pairs; relative to the base directory of the run',
  }),
  onBadLine: oneOf(['fail', 'skip'], {
    description: 'fail: stop at the first bad line; skip: pass over bad lines and log a count',
    default: 'fail',
  }),
  tokenizer: oneOf(['bytes'], {
    description: 'how text becomes token ids; bytes: its UTF-8 bytes',
    default: 'bytes',
  }),
});

export type JsonlOptions = Infer<typeof jsonlOptions>;

/** The `jsonl` dataset: preference pairs read from a file, as the runner finds it by name. */
export const jsonl: DatasetPlugin<JsonlOptions> = {
  kind: 'dataset',
  name: 'jsonl',
  summary: 'preference pairs from a JSONL file of prompt, chosen and rejected (text or messages)',
  options: jsonlOptions,
  create(options, context): PreferenceDataset {
    const path = resolve(context.baseDirectory, options.path);
    const tokenizer = new ByteTokenizer();
    return {
      name: 'jsonl',
      tokenizer,
      pairs: ({ contextLength }) =>
        readPreferenceFile(path, {
          tokenizer,
          contextLength,
          onBadLine: options.onBadLine,
          logger: context.logger,
        }),
    };
  },
};

/** The `bandit` dataset: a seeded contextual bandit whose optimal policy is known exactly. */
export const bandit: DatasetPlugin<BanditOptions> = {
  kind: 'dataset',
  name: 'bandit',
  summary: 'seeded bandit: K prompts, N one-token completions, soft labels, known optimum',
  options: banditOptions,
  create: (options, context) => new BanditTask(options, context.seed),
};

/** The `arithmetic` dataset: seeded sums and products, correct answer over a wrong one. */
export const arithmetic: DatasetPlugin<ArithmeticOptions> = {
  kind: 'dataset',
  name: 'arithmetic',
  summary: 'seeded sums and products ("12+7="): correct answer chosen over a plausible wrong one',
  options: arithmeticOptions,
  create: (options, context) => new ArithmeticTask(options, context.seed),
};

/** Every dataset plugin of this package, for the runner to register. */
export const datasetPlugins: readonly AnyPlugin<'dataset'>[] = [jsonl, bandit, arithmetic];
