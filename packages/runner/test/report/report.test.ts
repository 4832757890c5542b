import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { UserError } from '@prefopt/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/files.js';
import { renderReport, writeReport } from '../../src/report/index.js';
import { xmlProblems } from './xml-check.js';

/** The reward and entropy fields of a training line. */
function train(margin: number, accuracy: number, entropy: number) {
  return { 'rewards/margins': margin, 'rewards/accuracies': accuracy, entropy };
}

/** The same fields of an evaluation line. */
function evaluated(margin: number, accuracy: number, entropy: number) {
  return {
    'eval/rewards/margins': margin,
    'eval/rewards/accuracies': accuracy,
    'eval/entropy': entropy,
  };
}

/** A short run: four training steps, evaluations at steps 2 and 4, and a line cut short. */
const metricsLines = [
  { step: 1, epoch: 0, loss: 0.7, ...train(0, 0.5, 2), grad_norm: 1.5 },
  { step: 2, epoch: 0, loss: 0.5, ...train(0.4, 0.75, 1.8), grad_norm: null },
  { step: 2, 'eval/loss': 0.6, ...evaluated(0.3, 0.7, 1.9) },
  { step: 3, epoch: 1, loss: 0.25, ...train(1.2, 1, 1.5) },
  { step: 4, epoch: 1, loss: 0.3, ...train(1.1, 0.75, 1.4) },
  { step: 4, 'eval/loss': 0.4, ...evaluated(0.9, 0.8, 1.6), 'eval/pass@1': 0.45 },
]
  .map((line) => JSON.stringify(line))
  .concat('{"step":5,"lo');

const config = {
  seed: 7,
  objective: { name: 'hdpo', alpha: 0.9, beta: 0.1 },
  policy: { name: 'tabular', options: { arms: 4 } },
  dataset: { name: 'bandit' },
  train: { steps: 4 },
};

const evaluation = {
  prompts: 20,
  samples: 8,
  accuracyGreedy: 0.65,
  accuracySampled: 0.5125,
  passAtK: { '4': 0.8, '1': 0.5, '2': 0.65 },
  distinctAnswers: 2.25,
  entropy: 0.61234,
};

describe('writeReport', () => {
  let directory = '';
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'prefopt-run-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  async function writeRun(files: Record<string, string>) {
    for (const [name, text] of Object.entries(files)) await writeFile(join(directory, name), text);
  }

  it('writes report.svg and report.md, returns them, and leaves no temporary files', async () => {
    await writeRun({
      'metrics.jsonl': metricsLines.join('\n'),
      'config.json': JSON.stringify(config),
      'eval.json': JSON.stringify(evaluation),
    });

    const report = await writeReport(directory);

    expect(await readFile(join(directory, 'report.svg'), 'utf8')).toBe(report.svg);
    expect(await readFile(join(directory, 'report.md'), 'utf8')).toBe(report.markdown);
    expect((await readdir(directory)).sort()).toEqual([
      'config.json',
      'eval.json',
      'metrics.jsonl',
      'report.md',
      'report.svg',
    ]);
  });

  it('tabulates the first, last, best and final evaluation value of each metric', async () => {
    await writeRun({
      'metrics.jsonl': metricsLines.join('\n'),
      'config.json': JSON.stringify(config),
    });
    const { markdown } = await writeReport(directory);

    // loss 0.7, 0.5, 0.25, 0.3: first 0.7, last 0.3, lowest 0.25 at step 3; last eval 0.4.
    // margins 0, 0.4, 1.2, 1.1: highest 1.2 at step 3; last eval 0.9.
    // accuracies 0.5, 0.75, 1, 0.75: highest 1 at step 3; last eval 0.8.
    // entropy 2, 1.8, 1.5, 1.4: no better direction; last eval 1.6.
    // grad_norm only at step 1 (null at step 2); never evaluated.
    // pass@1 only evaluated, 0.45 at step 4.
    const table = [
      '| metric | first | last | best | final eval |',
      '| :-- | --: | --: | --: | --: |',
      '| loss | 0.7 | 0.3 | 0.25 (step 3) | 0.4 |',
      '| rewards/margins | 0 | 1.1 | 1.2 (step 3) | 0.9 |',
      '| rewards/accuracies | 0.5 | 0.75 | 1 (step 3) | 0.8 |',
      '| entropy | 2 | 1.4 | – | 1.6 |',
      '| grad_norm | 1.5 | 1.5 | – | – |',
      '| pass@1 | – | – | – | 0.45 |',
    ].join('\n');
    expect(markdown).toContain(table);
    expect(markdown).toContain(`# Run report: ${basename(directory)}`);
    expect(markdown).toContain(
      'Config: objective hdpo (alpha 0.9, beta 0.1), policy tabular, dataset bandit, ' +
        'seed 7, 4 steps.',
    );
    // Four training lines (the fifth is cut short) and two evaluation lines; last step 4.
    expect(markdown).toContain('Trained to step 4 (4 training lines, 2 evaluation lines).');
    expect(markdown).toContain('![](report.svg)');
  });

  it('lists the answer evaluation with pass@k in order of k', async () => {
    await writeRun({
      'metrics.jsonl': metricsLines.join('\n'),
      'eval.json': JSON.stringify(evaluation),
    });
    const { markdown } = await writeReport(directory);

    // entropy 0.61234 to four significant digits is 0.6123.
    const table = [
      '## Answer evaluation',
      '',
      '| measure | value |',
      '| :-- | --: |',
      '| prompts | 20 |',
      '| samples | 8 |',
      '| accuracy, greedy | 0.65 |',
      '| accuracy, sampled | 0.5125 |',
      '| pass@1 | 0.5 |',
      '| pass@2 | 0.65 |',
      '| pass@4 | 0.8 |',
      '| distinct answers | 2.25 |',
      '| entropy | 0.6123 |',
    ].join('\n');
    expect(markdown).toContain(table);
    expect(markdown).toContain('No config.json in the run directory.');
  });

  it('draws four panels, each with a training and an evaluation series', async () => {
    await writeRun({ 'metrics.jsonl': metricsLines.join('\n') });
    const { svg } = await writeReport(directory);

    for (const title of ['Loss', 'Reward margin', 'Reward accuracy', 'Entropy']) {
      expect(svg).toContain(`>${title}</text>`);
    }
    // Training is the first palette colour, evaluation the second, in each of four panels.
    expect(svg.match(/<polyline [^>]*stroke="#0072B2"/g)).toHaveLength(4);
    expect(svg.match(/<polyline [^>]*stroke="#D55E00"/g)).toHaveLength(4);
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(xmlProblems(svg)).toEqual([]);
  });

  it('reports a run without evaluations, config or eval.json', async () => {
    await writeRun({ 'metrics.jsonl': '{"step":1,"loss":0.69}\n' });
    const { svg, markdown } = await writeReport(directory);

    expect(svg).not.toContain('>eval</text>');
    expect(markdown).not.toContain('Answer evaluation');
    expect(markdown).toContain('| loss | 0.69 | 0.69 | 0.69 (step 1) | – |');
  });

  it('overwrites an earlier report', async () => {
    await writeRun({ 'metrics.jsonl': '{"step":1,"loss":0.69}\n' });
    await writeReport(directory);
    await writeFile(
      join(directory, 'metrics.jsonl'),
      '{"step":1,"loss":0.69}\n{"step":2,"loss":0.5}\n',
    );
    await writeReport(directory);
    expect(await readFile(join(directory, 'report.md'), 'utf8')).toContain('Trained to step 2');
  });

  it('is a user error, naming the path, where there is no metrics.jsonl', async () => {
    const failure = writeReport(directory);
    await expect(failure).rejects.toBeInstanceOf(UserError);
    await expect(failure).rejects.toThrow(join(directory, 'metrics.jsonl'));
    expect(await readdir(directory)).toEqual([]);
  });

  it('is a user error, naming the file, where config.json is not JSON', async () => {
    await writeRun({ 'metrics.jsonl': '{"step":1}\n', 'config.json': '{"seed": 7,' });
    const failure = writeReport(directory);
    await expect(failure).rejects.toBeInstanceOf(UserError);
    await expect(failure).rejects.toThrow(`${join(directory, 'config.json')}: not valid JSON`);
  });
});

describe('renderReport', () => {
  const metrics = { train: [{ step: 1, loss: 0.69 }], eval: [] };
  const configLine = (config: Record<string, unknown>) =>
    renderReport({ name: 'run', metrics, config }).markdown.split('\n')[2];

  it('reads plugin sections given as a name, with options beside it, or under options', () => {
    expect(configLine({ objective: 'dpo', training: { steps: 10 } })).toBe(
      'Config: objective dpo, 10 steps.',
    );
    expect(configLine({ objective: { name: 'dpo', options: { beta: 0.25 } }, steps: 3 })).toBe(
      'Config: objective dpo (beta 0.25), 3 steps.',
    );
    expect(configLine({ policy: { name: 'tabular', arms: 4 }, dataset: 'bandit' })).toBe(
      'Config: policy tabular, dataset bandit.',
    );
  });

  it('says so when config.json names none of what it shows', () => {
    expect(configLine({ backend: 'cpu' })).toBe(
      'config.json names no objective, policy, dataset, seed or steps.',
    );
  });
});

describe('writeFileAtomic', () => {
  let directory = '';
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'prefopt-atomic-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('replaces a file whole', async () => {
    const path = join(directory, 'report.md');
    await writeFile(path, 'old');
    await writeFileAtomic(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
    expect(await readdir(directory)).toEqual(['report.md']);
  });

  it('removes its temporary file when the rename fails', async () => {
    // A non-empty directory where the file should go: rename cannot replace it.
    const path = join(directory, 'report.md');
    await mkdir(path);
    await writeFile(join(path, 'keep'), 'kept');
    await expect(writeFileAtomic(path, 'text')).rejects.toThrow();
    expect(await readdir(directory)).toEqual(['report.md']);
    expect(await readFile(join(path, 'keep'), 'utf8')).toBe('kept');
  });
});
