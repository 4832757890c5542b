#!/usr/bin/env node
// Measures a training step with the cached reference: one JSON line per case.
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type BackendName,
  backendNames,
  type ConcreteBackend,
  type Objective,
  seededRandom,
  selectBackend,
  silentLogger,
  type TokenizedPair,
  tf,
} from '@prefopt/core';
import { container } from 'tsyringe';
import { createRunParts } from './compose.js';
import { validateConfig } from './run-directory.js';
import { Tokens } from './tokens.js';
import { mainThreadOnly, microBatchWork, threadCount, WorkerThreads } from './training/threads.js';
import { Trainer } from './training/trainer.js';

interface Case {
  readonly name: string;
  readonly layers: number;
  readonly width: number;
  /** Tokens per row: begin, prompt, completion and end. */
  readonly context: number;
  readonly pairs: number;
}

const cases: readonly Case[] = [
  { name: 'small', layers: 2, width: 64, context: 64, pairs: 16 },
  { name: 'medium', layers: 4, width: 128, context: 128, pairs: 16 },
];

/** Pairs whose rows fill the context: a prompt of half of it, completions of the rest. */
function pairs(count: number, context: number): TokenizedPair[] {
  const random = seededRandom(7);
  const tokens = (n: number) => Array.from({ length: n }, () => random.integer(256));
  const prompt = Math.floor((context - 2) / 2);
  const completion = context - 2 - prompt;
  return Array.from({ length: count }, () => ({
    prompt: tokens(prompt),
    chosen: tokens(completion),
    rejected: tokens(completion),
  }));
}

/** The bench's run as a config file would give it; the data section only supplies the tokenizer. */
function benchConfig(benchCase: Case, threads: number | 'auto'): Record<string, unknown> {
  return {
    seed: 1,
    objective: { name: 'dpo', beta: 0.1 },
    policy: {
      name: 'transformer',
      layers: benchCase.layers,
      width: benchCase.width,
      heads: 4,
      contextLength: benchCase.context,
    },
    data: { train: { name: 'arithmetic' } },
    training: { batchSize: benchCase.pairs, threads },
  };
}

async function measure(
  benchCase: Case,
  steps: number,
  warmup: number,
  options: { profile: boolean; threads: number | 'auto'; backend: ConcreteBackend },
): Promise<Record<string, unknown>> {
  const raw = benchConfig(benchCase, options.threads);
  const baseDirectory = process.cwd();
  const { config, registry } = await validateConfig(raw, 'bench', baseDirectory);
  const context = { logger: silentLogger, seed: config.seed, baseDirectory };
  const { policy, trainDataset } = await createRunParts(config, registry, context);
  const tokenizer = trainDataset.tokenizer;
  const objective = (await registry
    .resolve('objective', config.objective.name)
    .create(config.objective.options, context)) as Objective;
  const count = threadCount(
    config.training.threads,
    options.backend,
    microBatchWork(policy.variables, policy.contextLength, config.training.batchSize),
  );
  const threads =
    count === 1
      ? mainThreadOnly
      : await WorkerThreads.start(
          count - 1,
          { config: raw, baseDirectory, backend: options.backend },
          policy.variables,
        );
  const train = pairs(benchCase.pairs * (steps + warmup), benchCase.context);
  const cached = {
    chosen: new Float32Array(train.length).fill(-100),
    rejected: new Float32Array(train.length).fill(-100),
  };
  const directory = await mkdtemp(join(tmpdir(), 'prefopt-bench-'));

  const stepTimes: number[] = [];
  const tensorCounts: number[] = [];
  let last = performance.now();
  const run = container.createChildContainer();
  run.register(Tokens.Objective, { useValue: objective });
  run.register(Tokens.Threads, { useValue: threads });
  run.register(Tokens.Policy, { useValue: policy });
  run.register(Tokens.Reference, { useValue: { train: cached, eval: cached } });
  run.register(Tokens.Data, { useValue: { tokenizer, train, eval: [] } });
  run.register(Tokens.Settings, {
    useValue: {
      training: { ...config.training, steps: steps + warmup },
      seed: 1,
      configDigest: 'bench',
      config: {},
    },
  });
  run.register(Tokens.Logger, { useValue: silentLogger });
  run.register(Tokens.RunDirectory, { useValue: directory });
  run.register(Tokens.Progress, {
    useValue: {
      step() {
        const now = performance.now();
        stepTimes.push(now - last);
        tensorCounts.push(tf.memory().numTensors);
        last = now;
      },
      event() {},
      end() {},
    },
  });

  const trainer = run.resolve(Trainer);
  let kernels: KernelTime[] = [];
  try {
    last = performance.now();
    if (options.profile) {
      const info = await tf.profile(async () => {
        await trainer.train();
      });
      // Composite ops (an op's own scope, a custom gradient's) only sum kernels listed anyway.
      const composite = (name: string) => name.endsWith('__op') || name === 'unnamed scope';
      kernels = info.kernels
        .filter((k) => !composite(k.name))
        .map((k) => ({
          name: k.name,
          shapes: k.inputShapes.map((shape) => `[${(shape ?? []).join(',')}]`).join('x'),
          ms: typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0,
        }));
    } else {
      await trainer.train();
    }
  } finally {
    trainer.dispose();
    policy.dispose();
    await threads.close();
    await rm(directory, { recursive: true, force: true });
  }

  const timed = stepTimes.slice(warmup);
  const seconds = timed.reduce((a, b) => a + b, 0) / 1000;
  const pairsPerSecond = (benchCase.pairs * timed.length) / seconds;
  const counts = tensorCounts.slice(warmup);
  return {
    case: benchCase.name,
    backend: tf.getBackend(),
    layers: benchCase.layers,
    width: benchCase.width,
    context: benchCase.context,
    pairs_per_step: benchCase.pairs,
    threads: count,
    steps: timed.length,
    pairs_per_second: Number(pairsPerSecond.toFixed(2)),
    tokens_per_second: Math.round(pairsPerSecond * 2 * benchCase.context),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    tensors_left_per_step:
      counts.length < 2 ? 0 : ((counts.at(-1) ?? 0) - (counts[0] ?? 0)) / (counts.length - 1),
    ...(options.profile ? { kernels: kernelTable(kernels, stepTimes.length) } : {}),
  };
}

interface KernelTime {
  readonly name: string;
  readonly shapes: string;
  readonly ms: number;
}

/** Kernel time per step by kernel, and the costliest kernel-and-shape calls, largest first. */
function kernelTable(kernels: readonly KernelTime[], steps: number) {
  const total = kernels.reduce((sum, k) => sum + k.ms, 0);
  const group = (key: (k: KernelTime) => string) => {
    const sums = new Map<string, { ms: number; calls: number }>();
    for (const k of kernels) {
      const entry = sums.get(key(k)) ?? { ms: 0, calls: 0 };
      sums.set(key(k), { ms: entry.ms + k.ms, calls: entry.calls + 1 });
    }
    return [...sums]
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, 12)
      .map(([name, { ms, calls }]) => ({
        name,
        ms_per_step: Number((ms / steps).toFixed(1)),
        calls_per_step: Number((calls / steps).toFixed(1)),
        share: Number((ms / total).toFixed(3)),
      }));
  };
  return {
    ms_per_step: Number((total / steps).toFixed(1)),
    by_kernel: group((k) => k.name),
    by_call: group((k) => `${k.name} ${k.shapes}`),
  };
}

/** The same step in PyTorch (bench/torch_step.py), for a ratio from one run. */
const torchStep = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench', 'torch_step.py');

/** The first Python that imports torch: PREFOPT_BENCH_PYTHON, python3, Debian's python3. */
function findTorchPython(): string | undefined {
  const candidates = [process.env.PREFOPT_BENCH_PYTHON, 'python3', '/usr/bin/python3'];
  return candidates.find(
    (python) =>
      python !== undefined &&
      python !== '' &&
      spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0,
  );
}

function torchPairsPerSecond(
  python: string,
  benchCase: Case,
  steps: number,
  warmup: number,
): number | undefined {
  const args = [
    torchStep,
    ...['--layers', benchCase.layers, '--width', benchCase.width, '--heads', 4],
    ...['--context', benchCase.context, '--pairs', benchCase.pairs],
    ...['--steps', steps, '--warmup', warmup],
  ].map(String);
  const result = spawnSync(python, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(`bench: the PyTorch step failed: ${result.stderr.trim()}\n`);
    return undefined;
  }
  const line = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}');
  return typeof line.pairs_per_second === 'number' ? line.pairs_per_second : undefined;
}

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    steps: { type: 'string', default: '5' },
    case: { type: 'string', multiple: true },
    // Times every kernel of the run (slower), and adds where the time went to each line.
    profile: { type: 'boolean', default: false },
    // Threads sharing each step (main thread included), or auto; 1 with --profile, which
    // sees only the main thread's kernels.
    threads: { type: 'string' },
    // Skips the PyTorch comparison even where torch is installed.
    'no-torch': { type: 'boolean', default: false },
  },
});
const backend = values.backend as BackendName;
if (!backendNames.includes(backend)) {
  process.stderr.write(`bench: --backend must be one of ${backendNames.join(', ')}\n`);
  process.exit(2);
}
const threadsArgument = values.threads ?? (values.profile ? '1' : 'auto');
const threads = threadsArgument === 'auto' ? 'auto' : Number(threadsArgument);
if (threads !== 'auto' && !(Number.isInteger(threads) && threads >= 1)) {
  process.stderr.write('bench: --threads must be auto or an integer >= 1\n');
  process.exit(2);
}
const chosen = await selectBackend(backend, {
  info: (line) => process.stderr.write(`${line}\n`),
  warn: () => {},
});
const python = values['no-torch'] ? undefined : findTorchPython();
if (!values['no-torch'] && python === undefined) {
  process.stderr.write('bench: no Python with torch found; PyTorch comparison skipped\n');
}
for (const benchCase of cases.filter(
  (c) => values.case === undefined || values.case.includes(c.name),
)) {
  const result = await measure(benchCase, Number(values.steps), 2, {
    profile: values.profile,
    threads,
    backend: chosen.backend,
  });
  const torch =
    python === undefined
      ? undefined
      : torchPairsPerSecond(python, benchCase, Number(values.steps), 2);
  const comparison =
    torch === undefined
      ? { torch_pairs_per_second: null }
      : {
          torch_pairs_per_second: torch,
          ratio_to_torch: Number(((result.pairs_per_second as number) / torch).toFixed(3)),
        };
  process.stdout.write(`${JSON.stringify({ ...result, ...comparison })}\n`);
}
