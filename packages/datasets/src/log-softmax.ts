/**
 * log softmax(x) = x - log(sum exp(x)), with the maximum taken out first
 * (log-sum-exp) so large or very negative values neither overflow nor
 * underflow to an empty distribution.
 */
export function logSoftmax(values: readonly number[]): number[] {
  const largest = values.reduce((max, value) => Math.max(max, value), Number.NEGATIVE_INFINITY);
  let sum = 0;
  for (const value of values) sum += Math.exp(value - largest);
  const logNormalizer = largest + Math.log(sum);
  return values.map((value) => value - logNormalizer);
}
