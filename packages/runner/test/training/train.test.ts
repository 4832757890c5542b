import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf } from '@prefopt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { train } from '../../src/commands/train.js';
import { main } from '../../src/index.js';
import type { Progress } from '../../src/training/progress.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'prefopt-train-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const banditConfig = (steps: number, extra = '') => `
seed: 3
backend: cpu
objective: { name: hdpo, alpha: 0.8, beta: 0.5 }
policy: { name: tabular, prompts: 3, candidates: 4 }
data:
  train: { name: bandit, prompts: 3, candidates: 4 }
  evalFraction: 0.25
training:
  steps: ${steps}
  batchSize: 4
  gradientAccumulation: 2
  learningRate: 0.05
  warmupSteps: 2
  decay: cosine
  clipNorm: 0.5
  evalEvery: 3
  checkpointEvery: 4
${extra}`;

const transformerConfig = (steps: number) => `
seed: 5
backend: cpu
objective: { name: dpo, beta: 0.1, labelSmoothing: 0.1 }
policy: { name: transformer, layers: 1, width: 8, heads: 2, contextLength: 10 }
data:
  train: { name: arithmetic, count: 48, maxOperand: 9 }
  eval: { name: arithmetic, count: 8, maxOperand: 9, split: test }
training: { steps: ${steps}, batchSize: 8, learningRate: 0.01, weightDecay: 0.1, checkpointEvery: 2 }
`;

async function writeConfig(name: string, text: string): Promise<string> {
  const path = join(directory, `${name}.yaml`);
  await writeFile(path, text);
  return path;
}

const quiet = { info() {}, warn() {} };

/** Runs `train` in-process; `stopAt` aborts as SIGINT would once that step is done. */
async function run(
  args: Parameters<typeof train>[0],
  stopAt?: number,
  onStep?: (step: number) => void,
) {
  const controller = new AbortController();
  const progress = (): Progress => ({
    step(step) {
      onStep?.(step);
      if (step === stopAt) controller.abort('SIGINT');
    },
    event() {},
    end() {},
  });
  return train(args, { logger: quiet, progress, print: () => {}, signal: controller.signal });
}

/** The metrics lines without the wall-clock figure. */
async function metrics(runDirectory: string): Promise<Record<string, number>[]> {
  const text = await readFile(join(runDirectory, 'metrics.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const { pairs_per_second: _rate, ...rest } = JSON.parse(line) as Record<string, number>;
      return rest;
    });
}

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
    const output = join(directory, 'full');
    const config = await writeConfig('full', banditConfig(10));
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
    const config = await writeConfig('twice', banditConfig(6));
    await run({ config, set: [`output=${join(directory, 'twice-a')}`] });
    await run({ config, set: [`output=${join(directory, 'twice-b')}`] });
    expect(await metrics(join(directory, 'twice-b'))).toEqual(
      await metrics(join(directory, 'twice-a')),
    );
  });

  it.each([
    ['bandit with a tabular policy', banditConfig(10), 5],
    ['arithmetic with a transformer', transformerConfig(6), 3],
  ])(
    'resumes %s so the rest of the run is identical to one never interrupted',
    async (name, text, stopAt) => {
      const config = await writeConfig(`resume-${stopAt}`, text);
      const straight = join(directory, `straight-${stopAt}`);
      const interrupted = join(directory, `interrupted-${stopAt}`);
      expect(await run({ config, set: [`output=${straight}`] })).toBe(0);

      expect(await run({ config, set: [`output=${interrupted}`] }, stopAt)).toBe(130);
      const partial = await metrics(interrupted);
      expect(Math.max(...partial.map((r) => r.step ?? 0))).toBe(stopAt);
      expect(await run({ resume: interrupted })).toBe(0);

      expect(await metrics(interrupted), name).toEqual(await metrics(straight));
    },
  );

  it('keeps the tensor count flat from step to step', async () => {
    const config = await writeConfig('tensors', transformerConfig(5));
    const counts: number[] = [];
    await run({ config, set: [`output=${join(directory, 'tensors')}`] }, undefined, () => {
      counts.push(tf.memory().numTensors);
    });
    expect(counts).toHaveLength(5);
    expect(new Set(counts.slice(1)).size).toBe(1);
  });

  it('stores weights as a TensorFlow.js weights manifest that tfjs alone can read', async () => {
    const output = join(directory, 'full', 'checkpoints', 'step-00000010');
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

  it('resumes from the last whole checkpoint when a later write was cut short', async () => {
    const config = await writeConfig('crash', banditConfig(8));
    const output = join(directory, 'crash');
    expect(await run({ config, set: [`output=${output}`] }, 5)).toBe(130);
    // A crash while writing the next checkpoint leaves a partial directory behind.
    await mkdir(join(output, 'checkpoints', 'step-00000006.partial'));
    await writeFile(join(output, 'checkpoints', 'step-00000006.partial', 'policy.bin'), 'garbage');
    await writeFile(join(output, 'metrics.jsonl'), '{"step": 6, "loss": 1}\n{"step": 7, "lo', {
      flag: 'a',
    });
    expect(await run({ resume: output })).toBe(0);

    const reference = join(directory, 'crash-reference');
    await run({ config, set: [`output=${reference}`] });
    expect(await metrics(output)).toEqual(await metrics(reference));
    expect(existsSync(join(output, 'checkpoints', 'step-00000006.partial'))).toBe(false);
  });
});

describe('prefopt train user errors', () => {
  async function failure(...argv: string[]): Promise<string> {
    let stderr = '';
    const code = await main(argv, {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
    });
    expect(code).toBe(2);
    // Event lines (the backend chosen, say) may come first; the error is one line, the last.
    const lines = stderr.trimEnd().split('\n');
    expect(
      lines.slice(0, -1).every((line) => /^prefopt: (backend|data|reference)/.test(line)),
    ).toBe(true);
    return lines.at(-1) ?? '';
  }

  it('names the key path of a bad option before any work starts', async () => {
    const config = await writeConfig(
      'bad-alpha',
      banditConfig(4).replace('alpha: 0.8', 'alpha: 0'),
    );
    const output = join(directory, 'bad-alpha');
    expect(await failure('train', '--config', config, '--set', `output=${output}`)).toBe(
      `prefopt: ${config}: objective.alpha: must be number > 0, got 0`,
    );
    expect(existsSync(output)).toBe(false);
  });

  it('stops at a bad data line with file:line, leaving no run directory', async () => {
    const data = join(directory, 'pairs.jsonl');
    await writeFile(
      data,
      '{"prompt": "1+1=", "chosen": "2", "rejected": "3"}\n{"prompt": "2+2=", "chosen": "4"}\n',
    );
    const config = await writeConfig(
      'bad-data',
      `objective: dpo
policy: { name: transformer, layers: 1, width: 8, heads: 2, contextLength: 12 }
data: { train: { name: jsonl, path: pairs.jsonl } }
training: { steps: 1, batchSize: 1 }
`,
    );
    const output = join(directory, 'bad-data');
    expect(await failure('train', '--config', config, '--set', `output=${output}`)).toBe(
      `prefopt: ${data}:2: rejected: missing`,
    );
    expect(existsSync(output)).toBe(false);
  });

  it('lists the objectives when the name is unknown', async () => {
    const config = await writeConfig('bad-name', banditConfig(4));
    expect(await failure('train', '--config', config, '--set', 'objective.name=ipo')).toBe(
      `prefopt: ${config}: objective.name: unknown objective 'ipo' (known: dpo, hdpo)`,
    );
  });

  it('refuses steps and epochs together, and unknown sections', async () => {
    const both = await writeConfig('both', banditConfig(4));
    expect(await failure('train', '--config', both, '--set', 'training.epochs=2')).toBe(
      `prefopt: ${both}: training: give steps or epochs, not both`,
    );
    const extra = await writeConfig('extra', `${banditConfig(4)}\nevaluation: {}\n`);
    expect(await failure('train', '--config', extra)).toMatch(
      new RegExp(`^prefopt: ${extra}: evaluation: unknown section \\(allowed: seed, backend`),
    );
  });

  it('refuses to train over an existing run, and to resume with another config', async () => {
    const config = await writeConfig('existing', banditConfig(2));
    const output = join(directory, 'existing');
    await run({ config, set: [`output=${output}`] });
    expect(await failure('train', '--config', config, '--set', `output=${output}`)).toMatch(
      /already holds a run; continue it with --resume/,
    );
    expect(
      await failure(
        'train',
        '--resume',
        output,
        '--config',
        config,
        '--set',
        'objective.alpha=0.5',
      ),
    ).toMatch(/the checkpoint is from another config/);
  });

  it('validates and prints the resolved config with --dry-run, writing nothing', async () => {
    const config = await writeConfig('dry', banditConfig(4));
    const output = join(directory, 'dry');
    let stdout = '';
    const code = await main(
      ['train', '--config', config, '--dry-run', '--set', `output=${output}`],
      {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: () => true },
      },
    );
    expect(code).toBe(0);
    expect(stdout).toContain('name: hdpo');
    expect(stdout).toContain('optimizer: adamw');
    expect(stdout).toContain('gradientAccumulation: 2');
    expect(existsSync(output)).toBe(false);
  });
});

describe('prefopt eval', () => {
  async function prefopt(...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
    });
    return { code, stdout, stderr };
  }

  it('grades a run on its held-out arithmetic and writes eval.json', async () => {
    const run = join(directory, 'tensors');
    const result = await prefopt(
      'eval',
      '--run',
      run,
      '--samples',
      '4',
      '--limit',
      '3',
      '--max-tokens',
      '3',
    );
    expect(result.stderr).toContain('evaluating the policy of');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^prompts {14}3 \(4 samples each\)\n/);
    expect(result.stdout).toContain('pass@4');

    const saved = JSON.parse(await readFile(join(run, 'eval.json'), 'utf8'));
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
    const bandit = await prefopt('eval', '--run', join(directory, 'full'));
    expect(bandit.code).toBe(2);
    expect(bandit.stderr.trimEnd().split('\n').at(-1)).toBe(
      'prefopt: eval: neither data.eval nor data.train is a task with checkable answers (such as arithmetic)',
    );
    const flag = await prefopt('eval', '--run', join(directory, 'tensors'), '--samples', '0');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe('prefopt: --samples: must be an integer >= 1, got "0"\n');
    const neither = await prefopt('eval');
    expect(neither.stderr).toBe(
      'prefopt: eval: give --run RUN_DIR or --config FILE (one of them)\n',
    );
  });
});

describe('prefopt train with real signals', () => {
  const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('finishes the step on %s, checkpoints, and exits %i', async (signal, code) => {
    expect(existsSync(cli), 'build first: pnpm build').toBe(true);
    const config = await writeConfig(
      `signal-${signal}`,
      banditConfig(1_000_000).replace('evalEvery: 3', 'evalEvery: 0'),
    );
    const output = join(directory, `signal-${signal}`);
    const child = spawn(process.execPath, [
      cli,
      'train',
      '--config',
      config,
      '--set',
      `output=${output}`,
    ]);
    let stderr = '';
    const exited = new Promise<number | null>((done) => child.on('exit', done));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // Signal once training is under way: the first progress line is out.
      if (stderr.includes('step 10/') && !child.killed) child.kill(signal);
    });

    expect(await exited).toBe(code);
    expect(stderr).toContain(`${signal}: finishing the step and writing a checkpoint`);
    const latest = JSON.parse(await readFile(join(output, 'checkpoints', 'latest.json'), 'utf8'));
    const state = JSON.parse(
      await readFile(join(output, 'checkpoints', latest.checkpoint, 'state.json'), 'utf8'),
    );
    const steps = (await metrics(output)).map((record) => record.step ?? 0);
    expect(state.complete).toBe(false);
    expect(state.step).toBe(Math.max(...steps));
    expect(state.step).toBeGreaterThanOrEqual(10);
  });
});
