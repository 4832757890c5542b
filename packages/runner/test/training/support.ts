import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { train } from '../../src/commands/train.js';
import { main } from '../../src/index.js';
import type { Progress } from '../../src/training/progress.js';

/** A temporary directory for one test file, removed after it. */
export function temporaryDirectory(): { readonly path: string } {
  const holder = { path: '' };
  beforeAll(async () => {
    holder.path = await mkdtemp(join(tmpdir(), 'prefopt-train-'));
  });
  afterAll(async () => {
    await rm(holder.path, { recursive: true, force: true });
  });
  return holder;
}

/** H-DPO on a small bandit with a tabular policy: fast, with soft labels and held-out pairs. */
export const banditConfig = (steps: number, extra = '') => `
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

/** DPO with label smoothing on arithmetic with a tiny transformer. */
export const transformerConfig = (steps: number) => `
seed: 5
backend: cpu
objective: { name: dpo, beta: 0.1, labelSmoothing: 0.1 }
policy: { name: transformer, layers: 1, width: 8, heads: 2, contextLength: 10 }
data:
  train: { name: arithmetic, count: 48, maxOperand: 9 }
  eval: { name: arithmetic, count: 8, maxOperand: 9, split: test }
training:
  steps: ${steps}
  batchSize: 8
  learningRate: 0.01
  weightDecay: 0.1
  checkpointEvery: 2
`;

export async function writeConfig(directory: string, name: string, text: string): Promise<string> {
  const path = join(directory, `${name}.yaml`);
  await writeFile(path, text);
  return path;
}

/**
 * Runs `train` in-process; `stopAt` aborts as SIGINT would once that step is
 * done. Log lines go to `log` when given.
 */
export async function run(
  args: Parameters<typeof train>[0],
  stopAt?: number,
  onStep?: (step: number) => void,
  log?: string[],
): Promise<number> {
  const quiet = {
    info: (line: string) => log?.push(line),
    warn: (line: string) => log?.push(line),
  };
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
export async function metrics(runDirectory: string): Promise<Record<string, number>[]> {
  const text = await readFile(join(runDirectory, 'metrics.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const { pairs_per_second: _rate, ...rest } = JSON.parse(line) as Record<string, number>;
      return rest;
    });
}

/** Runs the command line in-process and collects what it prints. */
export async function prefopt(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}
