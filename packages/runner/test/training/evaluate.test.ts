import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  banditConfig,
  prefopt,
  run,
  temporaryDirectory,
  transformerConfig,
  writeConfig,
} from './support.js';

const directory = temporaryDirectory();

beforeAll(async () => {
  await run({
    config: await writeConfig(directory.path, 'arithmetic', transformerConfig(2)),
    set: [`output=${join(directory.path, 'tensors')}`],
  });
  await run({
    config: await writeConfig(directory.path, 'bandit', banditConfig(2)),
    set: [`output=${join(directory.path, 'full')}`],
  });
});

describe('prefopt eval', () => {
  it('grades a run on its held-out arithmetic and writes eval.json', async () => {
    const runDirectory = join(directory.path, 'tensors');
    const result = await prefopt(
      'eval',
      '--run',
      runDirectory,
      '--samples',
      '4',
      '--limit',
      '3',
      '--max-tokens',
      '3',
    );
    expect(result.stderr).toContain('policy of ');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^prompts {14}3 \(4 samples each\)\n/);
    expect(result.stdout).toContain('pass@4');

    const saved = JSON.parse(await readFile(join(runDirectory, 'eval.json'), 'utf8'));
    expect(Object.keys(saved).sort()).toEqual(
      [
        'accuracyGreedy',
        'accuracySampled',
        'distinctAnswers',
        'entropy',
        'passAtK',
        'prompts',
        'samples',
      ].sort(),
    );
    expect(Object.keys(saved.passAtK)).toEqual(['1', '2', '4']);
    for (const share of [
      saved.accuracyGreedy,
      saved.accuracySampled,
      ...Object.values(saved.passAtK),
    ]) {
      expect(share).toBeGreaterThanOrEqual(0);
      expect(share).toBeLessThanOrEqual(1);
    }
    expect(saved.distinctAnswers).toBeGreaterThanOrEqual(1);
    expect(saved.distinctAnswers).toBeLessThanOrEqual(4);
  });

  it('says when no task can grade answers, and checks its flags', async () => {
    const bandit = await prefopt('eval', '--run', join(directory.path, 'full'));
    expect(bandit.code).toBe(2);
    expect(bandit.stderr.trimEnd().split('\n').at(-1)).toBe(
      'prefopt: eval: neither data.eval nor data.train is a task with checkable answers ' +
        '(such as arithmetic)',
    );
    const flag = await prefopt('eval', '--run', join(directory.path, 'tensors'), '--samples', '0');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe('prefopt: --samples: must be an integer >= 1, got "0"\n');
    const neither = await prefopt('eval');
    expect(neither.stderr).toBe(
      'prefopt: eval: give --run RUN_DIR or --config FILE (one of them)\n',
    );
  });
});
