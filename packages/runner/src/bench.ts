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
  seededRandom,
  selectBackend,
  silentLogger,
  type TokenizedPair,
  tf,
} from '@prefopt/core';
import { ByteTokenizer } from '@prefopt/datasets';
import { DpoObjective } from '@prefopt/objective-dpo';
import { TransformerPolicy, transformerOptions } from '@prefopt/policies';
import { container } from 'tsyringe';
import { trainingOptions } from './run-config.js';
import { Tokens } from './tokens.js';
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

async function measure(
  benchCase: Case,
  steps: number,
  warmup: number,
  profile: boolean,
): Promise<Record<string, unknown>> {
  const tokenizer = new ByteTokenizer();
  const options = transformerOptions.parse(
    {
      layers: benchCase.layers,
      width: benchCase.width,
      heads: 4,
      contextLength: benchCase.context,
    },
    'policy',
  );
  const policy = TransformerPolicy.create(
    { ...options, scope: `bench-${benchCase.name}` },
    tokenizer,
    1,
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
  run.register(Tokens.Objective, { useValue: new DpoObjective({ beta: 0.1, labelSmoothing: 0 }) });
  run.register(Tokens.Policy, { useValue: policy });
  run.register(Tokens.Reference, { useValue: { train: cached, eval: cached } });
  run.register(Tokens.Data, { useValue: { tokenizer, train, eval: [] } });
  run.register(Tokens.Settings, {
    useValue: {
      training: trainingOptions.parse(
        { steps: steps + warmup, batchSize: benchCase.pairs },
        'training',
      ),
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
    if (profile) {
      const info = await tf.profile(async () => {
        await trainer.train();
      });
      kernels = info.kernels.map((k) => ({
        name: k.name,
        shapes: k.inputShapes.map((shape) => `[${shape.join(',')}]`).join('x'),
        ms: typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0,
      }));
    } else {
      await trainer.train();
    }
  } finally {
    trainer.dispose();
    policy.dispose();
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
    steps: timed.length,
    pairs_per_second: Number(pairsPerSecond.toFixed(2)),
    tokens_per_second: Math.round(pairsPerSecond * 2 * benchCase.context),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    tensors_left_per_step:
      counts.length < 2 ? 0 : ((counts.at(-1) ?? 0) - (counts[0] ?? 0)) / (counts.length - 1),
    ...(profile ? { kernels: kernelTable(kernels, stepTimes.length) } : {}),
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
    // Skips the PyTorch comparison even where torch is installed.
    'no-torch': { type: 'boolean', default: false },
  },
});
const backend = values.backend as BackendName;
if (!backendNames.includes(backend)) {
  process.stderr.write(`bench: --backend must be one of ${backendNames.join(', ')}\n`);
  process.exit(2);
}
await selectBackend(backend, { info: (line) => process.stderr.write(`${line}\n`), warn: () => {} });
const python = values['no-torch'] ? undefined : findTorchPython();
if (!values['no-torch'] && python === undefined) {
  process.stderr.write('bench: no Python with torch found; PyTorch comparison skipped\n');
}
for (const benchCase of cases.filter(
  (c) => values.case === undefined || values.case.includes(c.name),
)) {
  const result = await measure(benchCase, Number(values.steps), 2, values.profile);
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
