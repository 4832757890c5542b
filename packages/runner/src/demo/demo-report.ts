import { chartGrid, lineChart } from '../report/index.js';
import type { BanditOutcome } from './bandit-summary.js';
import type { Variant } from './plan.js';
import { formatSpread, type Spread, spread } from './statistics.js';

/** One variant's evaluation figures over seeds. */
export interface VariantResult {
  readonly variant: Variant;
  readonly accuracyGreedy: Spread;
  readonly accuracySampled: Spread;
  readonly passAtK: Readonly<Record<string, Spread>>;
  readonly distinctAnswers: Spread;
  readonly entropy: Spread;
}

/** The figures of eval.json that the demo reads. */
export interface Evaluation {
  readonly prompts: number;
  readonly accuracyGreedy: number;
  readonly accuracySampled: number;
  readonly passAtK: Readonly<Record<string, number>>;
  readonly distinctAnswers: number;
  readonly entropy: number;
}

export function summarise(variant: Variant, evaluations: readonly Evaluation[]): VariantResult {
  const ks = Object.keys(evaluations[0]?.passAtK ?? {});
  return {
    variant,
    accuracyGreedy: spread(evaluations.map((e) => e.accuracyGreedy)),
    accuracySampled: spread(evaluations.map((e) => e.accuracySampled)),
    passAtK: Object.fromEntries(
      ks.map((k) => [k, spread(evaluations.map((e) => e.passAtK[k] ?? Number.NaN))]),
    ),
    distinctAnswers: spread(evaluations.map((e) => e.distinctAnswers)),
    entropy: spread(evaluations.map((e) => e.entropy)),
  };
}

/** The bandit table: per objective, learned and optimal entropy and their KL. */
export function banditTable(outcomes: readonly BanditOutcome[]): string {
  const rows = outcomes.map(
    (o) =>
      `| ${o.label} | ${o.learnedEntropy.toFixed(4)} | ${o.optimumEntropy.toFixed(4)} ` +
      `| ${o.kl.toExponential(2)} |`,
  );
  return [
    '| objective | entropy, learned | entropy, closed form | KL(optimum ‖ learned) |',
    '| :-- | --: | --: | --: |',
    ...rows,
  ].join('\n');
}

/** The answer table: per variant, every figure as mean ± sd over seeds. */
export function answerTable(results: readonly VariantResult[]): string {
  const ks = Object.keys(results[0]?.passAtK ?? {});
  const header = [
    'variant',
    'greedy acc.',
    'T=1 acc.',
    ...ks.map((k) => `pass@${k}`),
    'distinct',
    'entropy',
  ];
  const rows = results.map((r) => [
    r.variant.label,
    formatSpread(r.accuracyGreedy),
    formatSpread(r.accuracySampled),
    ...ks.map((k) => formatSpread(r.passAtK[k] as Spread)),
    formatSpread(r.distinctAnswers, 2),
    formatSpread(r.entropy),
  ]);
  return [
    `| ${header.join(' | ')} |`,
    `| :-- | ${header
      .slice(1)
      .map(() => '--:')
      .join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

/** pass@k against k, one line per variant (means over seeds). */
export function passAtKChart(results: readonly VariantResult[]): string {
  return lineChart({
    title: 'pass@k on held-out prompts',
    xLabel: 'k',
    yLabel: 'pass@k',
    logX: true,
    series: results.map((r) => ({
      name: r.variant.label,
      points: Object.entries(r.passAtK).map(
        ([k, value]) => [Number(k), value.mean] as [number, number],
      ),
    })),
  });
}

/** Accuracy and entropy against alpha: H-DPO as lines, DPO (alpha 1) as its own point. */
export function alphaCharts(results: readonly VariantResult[]): string {
  const hdpo = results
    .filter((r) => r.variant.objective === 'hdpo')
    .sort((a, b) => a.variant.alpha - b.variant.alpha);
  const dpo = results.filter((r) => r.variant.objective === 'dpo');
  const points = (list: readonly VariantResult[], pick: (r: VariantResult) => Spread) =>
    list.map((r) => [r.variant.alpha, pick(r).mean] as [number, number]);
  return chartGrid(
    [
      {
        title: 'Accuracy against alpha',
        xLabel: 'alpha',
        yLabel: 'accuracy',
        series: [
          { name: 'H-DPO, greedy', points: points(hdpo, (r) => r.accuracyGreedy) },
          { name: 'H-DPO, T = 1', points: points(hdpo, (r) => r.accuracySampled) },
          { name: 'DPO, greedy', points: points(dpo, (r) => r.accuracyGreedy) },
          { name: 'DPO, T = 1', points: points(dpo, (r) => r.accuracySampled) },
        ],
      },
      {
        title: 'Entropy against alpha',
        xLabel: 'alpha',
        yLabel: 'nats per token',
        series: [
          { name: 'H-DPO', points: points(hdpo, (r) => r.entropy) },
          { name: 'DPO', points: points(dpo, (r) => r.entropy) },
        ],
      },
    ],
    { columns: 2 },
  );
}

/** What the numbers say, in a sentence or two, without rounding toward a story. */
export function verdict(
  results: readonly VariantResult[],
  reference: VariantResult | undefined,
): string {
  const dpo = results.find((r) => r.variant.objective === 'dpo');
  const hdpo = results.filter((r) => r.variant.objective === 'hdpo');
  if (dpo === undefined || hdpo.length === 0) return '';
  const best = (pick: (r: VariantResult) => number) =>
    hdpo.reduce((top, r) => (pick(r) > pick(top) ? r : top), hdpo[0] as VariantResult);
  const ks = Object.keys(dpo.passAtK);
  const largest = ks[ks.length - 1] as string;
  const lines: string[] = [];
  for (const [name, pick] of [
    ['greedy accuracy', (r: VariantResult) => r.accuracyGreedy.mean],
    [`pass@${largest}`, (r: VariantResult) => r.passAtK[largest]?.mean ?? Number.NaN],
  ] as const) {
    const top = best(pick);
    const comparison =
      pick(top) > pick(dpo) ? 'beats' : pick(top) === pick(dpo) ? 'ties' : 'does not beat';
    lines.push(
      `On ${name}, the best H-DPO (${top.variant.label}, ${pick(top).toFixed(3)}) ` +
        `${comparison} DPO (${pick(dpo).toFixed(3)}).`,
    );
  }
  const sharpest = hdpo.reduce(
    (low, r) => (r.variant.alpha < low.variant.alpha ? r : low),
    hdpo[0] as VariantResult,
  );
  lines.push(
    `Entropy: DPO ${dpo.entropy.mean.toFixed(3)} nats per token, ` +
      `H-DPO α=${sharpest.variant.alpha} ${sharpest.entropy.mean.toFixed(3)}; ` +
      `distinct answers ${dpo.distinctAnswers.mean.toFixed(2)} and ` +
      `${sharpest.distinctAnswers.mean.toFixed(2)} per prompt` +
      (reference === undefined
        ? '.'
        : `; the reference had ${reference.entropy.mean.toFixed(3)} nats.`),
  );
  return lines.join(' ');
}
