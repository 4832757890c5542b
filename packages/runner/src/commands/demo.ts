import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Logger, UserError } from '@prefopt/core';
import { type BanditOutcome, banditOutcome } from '../demo/bandit-summary.js';
import {
  alphaCharts,
  answerTable,
  banditTable,
  type Evaluation,
  passAtKChart,
  summarise,
  type VariantResult,
  verdict,
} from '../demo/demo-report.js';
import { type DemoPlan, fullPlan, quickPlan, type Variant } from '../demo/plan.js';
import { writeFileAtomic } from '../files.js';
import { CheckpointStore } from '../training/checkpoint.js';
import type { Progress } from '../training/progress.js';
import { evaluate } from './evaluate.js';
import { pairs } from './pairs.js';
import { train } from './train.js';

export interface DemoArguments {
  readonly quick: boolean;
  /** Where every run and the report go. */
  readonly output: string;
  /** The directory of the demo's configs (bandit.yaml, sft.yaml, hdpo.yaml). */
  readonly configs?: string;
}

export interface DemoEnvironment {
  readonly logger: Logger;
  readonly progress: (logEvery: number) => Progress;
  readonly print: (text: string) => void;
  readonly signal?: AbortSignal;
}

/** The demo's configs as shipped in the repository's examples/demo. */
const shippedConfigs = fileURLToPath(new URL('../../../../examples/demo/', import.meta.url));

/** The H-DPO config's beta, repeated when a variant replaces the objective section. */
const beta = 0.1;

class Stopped extends Error {
  constructor(readonly code: number) {
    super('stopped');
  }
}

/**
 * `prefopt demo`: the entropy experiment end to end, as a sequence of
 * configs run through the same train, pairs and eval a user runs. Part 1
 * checks H-DPO on the bandit against its closed-form optimum; part 2
 * pre-trains a small transformer on arithmetic, builds pairs from its own
 * samples, trains DPO and H-DPO at several alphas over several seeds, and
 * grades each on held-out prompts. A run that exists is resumed or reused,
 * so an interrupted demo continues where it stopped.
 */
export async function demo(args: DemoArguments, environment: DemoEnvironment): Promise<number> {
  const plan = args.quick ? quickPlan : fullPlan;
  const output = resolve(args.output);
  const configs = resolve(args.configs ?? shippedConfigs);
  for (const file of ['bandit.yaml', 'sft.yaml', 'hdpo.yaml']) {
    if (!existsSync(join(configs, file))) {
      throw new UserError(
        `demo: ${join(configs, file)} is missing; give --configs DIR with the demo configs`,
      );
    }
  }
  await mkdir(output, { recursive: true });
  const { logger } = environment;
  const stages = plan.banditAlphas.length + 1 + 2 + plan.variants.length * plan.seeds.length;
  let stage = 0;
  const announce = (what: string) => {
    stage += 1;
    logger.info(`demo [${stage}/${stages}]: ${what}`);
  };

  /** Trains into `directory`, or resumes it; a finished run is left as it is. */
  const ensureRun = async (config: string, set: string[], directory: string) => {
    if ((await new CheckpointStore(directory).latestState())?.complete) return;
    const args = existsSync(join(directory, 'config.json'))
      ? { resume: directory }
      : { config: join(configs, config), set: [...set, `output=${directory}`] };
    const quiet = { ...environment, logger: { info() {}, warn: logger.warn } };
    const code = await train(args, quiet);
    if (code !== 0) throw new Stopped(code);
  };
  const evaluateRun = async (directory: string, seed: number): Promise<Evaluation> => {
    await evaluate(
      { run: directory, samples: plan.evalSamples, maxTokens: 6, seed },
      { logger: { info() {}, warn: logger.warn }, print: () => {} },
    );
    return JSON.parse(await readFile(join(directory, 'eval.json'), 'utf8')) as Evaluation;
  };

  try {
    // Part 1: the bandit, against the closed form.
    const bandit: BanditOutcome[] = [];
    const banditRuns: [string, string, string[]][] = [
      ['DPO', 'dpo', [`objective={name: dpo, beta: 0.5}`]],
      ...plan.banditAlphas.map((alpha): [string, string, string[]] => [
        `H-DPO α=${alpha}`,
        `hdpo-${alpha}`,
        [`objective.alpha=${alpha}`],
      ]),
    ];
    for (const [label, key, set] of banditRuns) {
      announce(`bandit, ${label}`);
      const directory = join(output, 'bandit', key);
      await ensureRun('bandit.yaml', [...set, `training.steps=${plan.banditSteps}`], directory);
      bandit.push(await banditOutcome(directory, label));
    }
    const dpoTable = bandit.find((o) => o.label === 'DPO')?.learned ?? [];
    const alphaOne = bandit.find((o) => o.label === 'H-DPO α=1')?.learned ?? [];
    const coincide = Math.max(
      0,
      ...dpoTable.flatMap((row, k) => row.map((p, j) => Math.abs(p - (alphaOne[k]?.[j] ?? 0)))),
    );

    // Part 2: a grade-school-math stand-in.
    announce('supervised pre-training of the reference on arithmetic');
    const sft = join(output, 'sft');
    await ensureRun('sft.yaml', [`training.steps=${plan.sftSteps}`], sft);
    // One after another: variable names are global in tfjs, so two policies
    // of the same run cannot be loaded at once.
    const referenceEvaluations: Evaluation[] = [];
    for (const seed of plan.seeds) referenceEvaluations.push(await evaluateRun(sft, seed));
    const reference = summarise(
      { label: 'reference (SFT)', key: 'sft', objective: 'dpo', alpha: Number.NaN },
      referenceEvaluations,
    );

    announce("preference pairs from the reference's own samples");
    const pairFile = join(output, 'pairs.jsonl');
    if (!existsSync(pairFile)) {
      await pairs(
        { run: sft, out: pairFile, samples: plan.pairSamples, perPrompt: 2, maxTokens: 6 },
        logger,
      );
    }

    const results: VariantResult[] = [];
    for (const variant of plan.variants) {
      const evaluations: Evaluation[] = [];
      for (const seed of plan.seeds) {
        announce(`${variant.label}, seed ${seed}`);
        const directory = join(output, 'runs', `${variant.key}-seed${seed}`);
        await ensureRun(
          'hdpo.yaml',
          preferenceSettings(plan, variant, seed, sft, pairFile),
          directory,
        );
        evaluations.push(await evaluateRun(directory, seed));
      }
      results.push(summarise(variant, evaluations));
    }

    await writeDemoReport(output, plan, bandit, coincide, reference, results);
    environment.print(
      `\nPart 1: H-DPO on the bandit against its closed-form optimum\n\n${banditTable(bandit)}\n` +
        `DPO and H-DPO at alpha = 1 differ by at most ${coincide.toExponential(2)} ` +
        'in probability.\n\n' +
        `Part 2: held-out arithmetic, mean ± sd over ${plan.seeds.length} seed(s)\n\n` +
        `${answerTable([reference, ...results])}\n\n${verdict(results, reference)}\n\n` +
        `Report: ${join(output, 'report', 'README.md')}\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof Stopped) {
      logger.info(`demo stopped; run it again with the same --output to continue`);
      return error.code;
    }
    throw error;
  }
}

/** The overrides of the preference config for one variant and seed. */
function preferenceSettings(
  plan: DemoPlan,
  variant: Variant,
  seed: number,
  sft: string,
  pairFile: string,
) {
  const objective =
    variant.objective === 'dpo'
      ? `{name: dpo, beta: ${beta}}`
      : `{name: hdpo, alpha: ${variant.alpha}, beta: ${beta}}`;
  return [
    `objective=${objective}`,
    `seed=${seed}`,
    `init=${sft}`,
    `data.train.path=${pairFile}`,
    `training.epochs=${plan.preferenceEpochs}`,
  ];
}

const quickNote = 'Quick version (prefopt demo --quick): fewer steps, one seed, fewer alphas.\n\n';

async function writeDemoReport(
  output: string,
  plan: DemoPlan,
  bandit: readonly BanditOutcome[],
  coincide: number,
  reference: VariantResult,
  results: readonly VariantResult[],
) {
  const directory = join(output, 'report');
  await mkdir(directory, { recursive: true });
  await writeFileAtomic(join(directory, 'pass-at-k.svg'), passAtKChart([reference, ...results]));
  await writeFileAtomic(join(directory, 'alpha.svg'), alphaCharts(results));
  const json = {
    plan,
    bandit: bandit.map(({ learned: _learned, ...rest }) => rest),
    coincide,
    reference,
    results,
  };
  await writeFileAtomic(join(directory, 'results.json'), `${JSON.stringify(json, null, 2)}\n`);

  const markdown = `# prefopt demo: entropy control with H-DPO

${plan === quickPlan ? quickNote : ''}## Part 1: the closed form

H-DPO on the bandit (4 prompts, 6 candidates) with a tabular policy started at
the reference, trained on every pair with its Bradley-Terry soft label. The
closed form is pi* proportional to pi_ref^(1/alpha) exp(r / (alpha beta)).

${banditTable(bandit)}

DPO and H-DPO at alpha = 1 differ by at most ${coincide.toExponential(2)} in any probability.

## Part 2: arithmetic

A 2-layer transformer pre-trained (sft) on arithmetic demonstrations, 30%
of them wrong, is the reference. Pairs come from its own samples: a correct
answer chosen, a wrong sampled answer rejected. Each variant trains from the
reference with the same budget; each is graded on held-out prompts with
greedy decoding and ${plan.evalSamples} samples at temperature 1 (pass@k is
the unbiased estimator). Mean ± sd over seeds ${plan.seeds.join(', ')}.

${answerTable([reference, ...results])}

${verdict(results, reference)}

![pass@k against k](pass-at-k.svg)

![accuracy and entropy against alpha](alpha.svg)

Every number is in results.json; every run is in ${output}, each with its
config.json, metrics.jsonl and eval.json, and \`prefopt report RUN_DIR\` draws
any of them.
`;
  await writeFileAtomic(join(directory, 'README.md'), markdown);
}
