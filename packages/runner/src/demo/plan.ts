/** One preference-optimization variant of the demo's second part. */
export interface Variant {
  /** "DPO" or "H-DPO alpha=0.9". */
  readonly label: string;
  readonly key: string;
  readonly objective: 'dpo' | 'hdpo';
  /** alpha for H-DPO; 1 for DPO, where it is where DPO sits on the alpha axis. */
  readonly alpha: number;
}

/** What the demo runs: the full experiment or a reduced one. */
export interface DemoPlan {
  /** alpha values of the bandit part, and whether DPO runs beside them. */
  readonly banditAlphas: readonly number[];
  readonly banditSteps: number;
  readonly sftSteps: number;
  readonly pairSamples: number;
  readonly variants: readonly Variant[];
  readonly seeds: readonly number[];
  readonly preferenceEpochs: number;
  readonly evalSamples: number;
  readonly ks: readonly number[];
}

function variants(alphas: readonly number[]): Variant[] {
  return [
    { label: 'DPO', key: 'dpo', objective: 'dpo', alpha: 1 },
    ...alphas.map(
      (alpha): Variant => ({
        label: `H-DPO α=${alpha}`,
        key: `hdpo-${alpha}`,
        objective: 'hdpo',
        alpha,
      }),
    ),
  ];
}

/** The experiment of the paper at toy scale: every alpha, three seeds. */
export const fullPlan: DemoPlan = {
  banditAlphas: [0.5, 0.8, 1, 1.5],
  banditSteps: 600,
  sftSteps: 600,
  pairSamples: 8,
  variants: variants([0.95, 0.9, 0.8, 0.6]),
  seeds: [1, 2, 3],
  preferenceEpochs: 3,
  evalSamples: 16,
  ks: [1, 2, 4, 8, 16],
};

/** The same steps, smaller: about a minute, for a first look and for tests. */
export const quickPlan: DemoPlan = {
  banditAlphas: [0.5, 1, 1.5],
  banditSteps: 300,
  sftSteps: 60,
  pairSamples: 4,
  variants: variants([0.8]),
  seeds: [1],
  preferenceEpochs: 1,
  evalSamples: 8,
  ks: [1, 2, 4, 8],
};
