import { join } from 'node:path';
import { type PluginContext, pluginProblem, silentLogger } from '@prefopt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import datasetsDefault, {
  ArithmeticTask,
  arithmetic,
  BanditTask,
  bandit,
  datasetPlugins,
  jsonl,
} from '../src/index.js';
import { collect, fixtureDirectory, recordingLogger, rejection, utf8 } from './support.js';

let fixtures: Awaited<ReturnType<typeof fixtureDirectory>>;
beforeAll(async () => {
  fixtures = await fixtureDirectory();
});
afterAll(() => fixtures.remove());

function context(overrides: Partial<PluginContext> = {}): PluginContext {
  return { logger: silentLogger, seed: 1, baseDirectory: fixtures.directory, ...overrides };
}

/** The message an options schema throws for a value. */
function optionsProblem(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the options to be rejected');
}

describe('the dataset plugins', () => {
  it('are jsonl, bandit and arithmetic, each a well-formed dataset plugin', () => {
    expect(datasetPlugins.map((plugin) => plugin.name)).toEqual(['jsonl', 'bandit', 'arithmetic']);
    expect(datasetsDefault).toBe(datasetPlugins);
    for (const plugin of datasetPlugins) {
      expect(pluginProblem(plugin)).toBeUndefined();
      expect(plugin.kind).toBe('dataset');
      expect(plugin.summary).not.toMatch(/\n/);
      expect(plugin.summary.length).toBeGreaterThan(0);
    }
  });
});

describe('the jsonl plugin', () => {
  it('needs a path and defaults to failing on bad lines with the byte tokenizer', () => {
    expect(jsonl.options.parse({ path: 'a.jsonl' }, 'dataset')).toEqual({
      path: 'a.jsonl',
      onBadLine: 'fail',
      tokenizer: 'bytes',
    });
    expect(optionsProblem(() => jsonl.options.parse({}, 'dataset'))).toBe(
      'dataset.path: is required (a string)',
    );
    expect(
      optionsProblem(() => jsonl.options.parse({ path: 'a', onBadLine: 'drop' }, 'dataset')),
    ).toBe('dataset.onBadLine: must be one of fail, skip, got "drop"');
    expect(
      optionsProblem(() => jsonl.options.parse({ path: 'a', tokenizer: 'bpe' }, 'dataset')),
    ).toBe('dataset.tokenizer: must be one of bytes, got "bpe"');
    expect(optionsProblem(() => jsonl.options.parse({ path: 'a', file: 'b' }, 'dataset'))).toBe(
      'dataset.file: unknown option (allowed: path, onBadLine, tokenizer)',
    );
  });

  it('reads a path from the base directory, logging skips to the context logger', async () => {
    await fixtures.write(
      ['{"prompt": "q", "chosen": "a", "rejected": "b"}', 'oops'].join('\n'),
      'pairs.jsonl',
    );
    const logger = recordingLogger();
    const options = jsonl.options.parse({ path: 'pairs.jsonl', onBadLine: 'skip' }, 'dataset');
    const dataset = await jsonl.create(options, context({ logger }));

    expect(dataset.name).toBe('jsonl');
    expect(dataset.tokenizer.vocabularySize).toBe(259);
    const path = join(fixtures.directory, 'pairs.jsonl');
    expect(await collect(dataset.pairs({ contextLength: 16 }))).toEqual([
      { prompt: utf8('q'), chosen: utf8('a'), rejected: utf8('b'), source: `${path}:1` },
    ]);
    expect(logger.infos).toEqual([`skipped 1 of 2 examples in ${path} (1 not valid JSON)`]);
  });

  it('fails at a bad line by default', async () => {
    await fixtures.write('{"prompt": "q"}\n', 'bad.jsonl');
    const dataset = await jsonl.create(
      jsonl.options.parse({ path: 'bad.jsonl' }, 'dataset'),
      context(),
    );
    const error = await rejection(collect(dataset.pairs({ contextLength: 16 })));
    expect(error.message).toBe(`${join(fixtures.directory, 'bad.jsonl')}:1: chosen: missing`);
  });
});

describe('the bandit plugin', () => {
  it('defaults to 4 prompts of 6 candidates and checks its options', () => {
    expect(bandit.options.parse({}, 'dataset')).toEqual({
      prompts: 4,
      candidates: 6,
      rewardScale: 1,
    });
    expect(optionsProblem(() => bandit.options.parse({ candidates: 1 }, 'dataset'))).toBe(
      'dataset.candidates: must be integer >= 2, got 1',
    );
    expect(optionsProblem(() => bandit.options.parse({ prompts: 0.5 }, 'dataset'))).toBe(
      'dataset.prompts: must be integer >= 1, got 0.5',
    );
    expect(optionsProblem(() => bandit.options.parse({ rewardScale: 0 }, 'dataset'))).toBe(
      'dataset.rewardScale: must be number > 0, got 0',
    );
    expect(optionsProblem(() => bandit.options.parse({ arms: 3 }, 'dataset'))).toBe(
      'dataset.arms: unknown option (allowed: prompts, candidates, rewardScale)',
    );
  });

  it('creates a task seeded by the run', async () => {
    const options = bandit.options.parse({ prompts: 2, candidates: 3 }, 'dataset');
    const dataset = await bandit.create(options, context({ seed: 5 }));

    expect(dataset).toBeInstanceOf(BanditTask);
    // 2 + 3 + 3 special tokens.
    expect(dataset.tokenizer.vocabularySize).toBe(8);
    // 2 prompts x 3 unordered pairs of candidates.
    expect(await collect(dataset.pairs({ contextLength: 4 }))).toHaveLength(6);
    expect((dataset as BanditTask).rewards).toEqual(new BanditTask(options, 5).rewards);
    expect((dataset as BanditTask).rewards).not.toEqual(new BanditTask(options, 6).rewards);
  });
});

describe('the arithmetic plugin', () => {
  it('defaults to both operations up to 20, 2000 training pairs, and checks its options', () => {
    expect(arithmetic.options.parse({}, 'dataset')).toEqual({
      maxOperand: 20,
      operations: ['+', '*'],
      count: 2000,
      split: 'train',
      flipRate: 0,
    });
    expect(optionsProblem(() => arithmetic.options.parse({ operations: [] }, 'dataset'))).toBe(
      'dataset.operations: must have at least 1 item(s), each one of +, *',
    );
    expect(optionsProblem(() => arithmetic.options.parse({ operations: ['-'] }, 'dataset'))).toBe(
      'dataset.operations[0]: must be one of +, *, got "-"',
    );
    expect(optionsProblem(() => arithmetic.options.parse({ split: 'valid' }, 'dataset'))).toBe(
      'dataset.split: must be one of train, test, got "valid"',
    );
    expect(optionsProblem(() => arithmetic.options.parse({ count: 0 }, 'dataset'))).toBe(
      'dataset.count: must be integer >= 1, got 0',
    );
    expect(optionsProblem(() => arithmetic.options.parse({ maxOperand: 0 }, 'dataset'))).toBe(
      'dataset.maxOperand: must be integer >= 1, got 0',
    );
  });

  it('creates a task with the byte tokenizer and the pairs asked for', async () => {
    const options = arithmetic.options.parse({ count: 25, split: 'test' }, 'dataset');
    const dataset = await arithmetic.create(options, context({ seed: 3 }));

    expect(dataset).toBeInstanceOf(ArithmeticTask);
    expect(dataset.name).toBe('arithmetic');
    expect(dataset.tokenizer.vocabularySize).toBe(259);
    const pairs = await collect(dataset.pairs({ contextLength: 32 }));
    expect(pairs).toHaveLength(25);
    expect(pairs).toEqual(
      await collect(new ArithmeticTask(options, 3).pairs({ contextLength: 32 })),
    );
  });
});
