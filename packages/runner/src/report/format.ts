/**
 * A metric value for a person to read: whole numbers as they are, others to
 * four significant digits (0.6931, 1235, 0.00001234), enough to compare runs
 * without the noise of the seventeenth digit.
 */
export function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}
