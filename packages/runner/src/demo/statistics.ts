/** Mean and sample standard deviation of some numbers (0 spread for one). */
export interface Spread {
  readonly mean: number;
  readonly sd: number;
  readonly n: number;
}

export function spread(values: readonly number[]): Spread {
  const n = values.length;
  const mean = values.reduce((sum, v) => sum + v, 0) / n;
  const variance = n < 2 ? 0 : values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1);
  return { mean, sd: Math.sqrt(variance), n };
}

/** "0.412 ± 0.031", or just the mean for a single value. */
export function formatSpread(value: Spread, digits = 3): string {
  const mean = value.mean.toFixed(digits);
  return value.n < 2 ? mean : `${mean} ± ${value.sd.toFixed(digits)}`;
}

/** Entropy in nats of a distribution. */
export function entropy(p: readonly number[]): number {
  return -p.reduce((sum, pj) => sum + (pj > 0 ? pj * Math.log(pj) : 0), 0);
}

/** KL(p || q) in nats. */
export function klDivergence(p: readonly number[], q: readonly number[]): number {
  return p.reduce((sum, pj, j) => sum + (pj > 0 ? pj * Math.log(pj / (q[j] ?? 0)) : 0), 0);
}

/** Softmax of logits, computed stably. */
export function softmax(logits: readonly number[]): number[] {
  const top = Math.max(...logits);
  const weights = logits.map((z) => Math.exp(z - top));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}
