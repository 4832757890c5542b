/**
 * Axis ticks at "nice" values: 1, 2 or 5 times a power of ten, the values a
 * reader can interpolate between at a glance.
 */

/** The largest magnitude a linear axis takes; larger values are left off a chart. */
export const largestLinearValue = 1e300;

/**
 * The range a logarithmic axis takes. Kept well inside the doubles so that a
 * tick a few decades past the data is still a finite number.
 */
export const logRange = { smallest: 1e-100, largest: 1e100 } as const;

/** A range narrower than this, in absolute terms, is drawn as flat. */
const smallestSpan = 1e-290;

/** A range narrower than this fraction of its magnitude is drawn as flat. */
const flatFraction = 1e-6;

const multiples = [1, 2, 5] as const;
const fewestTicks = 4;
const mostTicks = 6;

/**
 * Rounds a quotient that floating point left a hair off a whole number, so
 * that 1.1 / 0.1 = 11.000000000000002 does not add a twelfth tick. The ticks
 * are then checked against the data, which they must still enclose.
 */
function snap(quotient: number): number {
  const whole = Math.round(quotient);
  return Math.abs(quotient - whole) <= 1e-9 * Math.max(1, Math.abs(whole)) ? whole : quotient;
}

/**
 * `count * 10^exponent` computed so that decimal ticks come out as the
 * nearest double (0.6, not 0.6000000000000001): dividing by an exact power
 * of ten rounds once, multiplying by an inexact one does not.
 */
function scaled(count: number, exponent: number): number {
  return exponent < 0 ? count / 10 ** -exponent : count * 10 ** exponent;
}

/**
 * A flat or nearly flat range (a constant series) gets room around it, so
 * the line sits mid-panel and the axis still has ticks to label.
 */
function widenFlat(low: number, high: number): [number, number] {
  const magnitude = Math.max(Math.abs(low), Math.abs(high));
  const span = high - low;
  if (span >= smallestSpan && span > magnitude * flatFraction) return [low, high];

  const centre = low / 2 + high / 2;
  const pad = Math.abs(centre) > 1e-280 ? Math.abs(centre) / 10 : 1;
  return [centre - pad, centre + pad];
}

/**
 * Four to six evenly spaced nice ticks whose first is at or below `low` and
 * whose last is at or above `high`; the axis runs from the first to the last.
 * Takes the finest step that needs at most six ticks, and if that step
 * covers the range in fewer than four it adds ticks above, then below.
 *
 * @example niceTicks(0, 0.93) // [0, 0.2, 0.4, 0.6, 0.8, 1]
 */
export function niceTicks(low: number, high: number): number[] {
  if (!(Math.abs(low) <= largestLinearValue && Math.abs(high) <= largestLinearValue)) {
    throw new RangeError(
      `niceTicks: low and high must be finite within ±1e300, got ${low}, ${high}`,
    );
  }
  if (low > high) throw new RangeError(`niceTicks: low ${low} is above high ${high}`);

  const [from, to] = widenFlat(low, high);
  for (let exponent = Math.floor(Math.log10(to - from)) - 1; ; exponent += 1) {
    for (const multiple of multiples) {
      const step = scaled(multiple, exponent);
      const tick = (index: number) => scaled(index * multiple, exponent);
      let first = Math.floor(snap(from / step));
      let last = Math.ceil(snap(to / step));
      if (tick(first) > from) first -= 1;
      if (tick(last) < to) last += 1;
      if (last - first + 1 > mostTicks) continue;

      for (let above = true; last - first + 1 < fewestTicks; above = !above) {
        if (above) last += 1;
        else first -= 1;
      }
      const ticks: number[] = [];
      for (let index = first; index <= last; index += 1) ticks.push(tick(index));
      return ticks;
    }
  }
}

/**
 * Ticks for a logarithmic axis covering `low` to `high`: 1, 2, 5 and 10
 * within a single decade, each power of ten across up to five decades, and
 * every second, fifth, tenth... power beyond, so there are never more than
 * six.
 */
export function logTicks(low: number, high: number): number[] {
  if (!(low >= logRange.smallest && high <= logRange.largest && low <= high)) {
    throw new RangeError(`logTicks: need 1e-100 <= low <= high <= 1e100, got ${low}, ${high}`);
  }

  const first = Math.floor(snap(Math.log10(low)));
  const last = Math.max(first + 1, Math.ceil(snap(Math.log10(high))));
  if (last - first === 1) return [1, 2, 5, 10].map((multiple) => scaled(multiple, first));
  if (last - first === 2) {
    // Two decades, such as k from 1 to 16: 1, 2, 5 steps up to the first past the data,
    // rather than an axis that runs on to 100.
    const steps = [1, 2, 5, 10, 20, 50, 100].map((multiple) => scaled(multiple, first));
    const end = steps.findIndex((tick) => tick >= high);
    return steps.slice(0, end + 1);
  }

  const exponents: number[] = [];
  if (last - first <= 5) {
    for (let exponent = first; exponent <= last; exponent += 1) exponents.push(exponent);
  } else {
    exponents.push(...niceTicks(first, last));
  }
  return exponents.map((exponent) => scaled(1, exponent));
}

/** The power of ten of a tick step, read back from two neighbouring ticks. */
function stepExponent(ticks: readonly number[]): number {
  const [first = 0, second = 1] = ticks;
  return Math.floor(Math.log10(Math.abs(second - first)) + 1e-6);
}

/** The exponent of a number in scientific notation: 3 for 1200, -2 for 0.05. */
function decimalExponent(value: number): number {
  return Math.floor(Math.log10(Math.abs(value)) + 1e-9);
}

/** The longest label's length: what decides how much room an axis needs. */
const widest = (labels: readonly string[]) => Math.max(0, ...labels.map((label) => label.length));

/**
 * Labels for the ticks of one axis, all written alike: plain decimals with
 * as many places as the step needs (0.2, 0.4; 1234570), or scientific
 * notation with as many digits as the step needs (4e+7, 1.5e-5) where that
 * is more than two characters shorter, since plain numbers read more easily.
 * On a logarithmic axis each tick is written on its own: 0.01, 100, 1e+8.
 */
export function tickLabels(ticks: readonly number[], logScale = false): string[] {
  if (logScale) {
    return ticks.map((tick) => {
      const exponent = decimalExponent(tick);
      return exponent < -3 || exponent > 5 ? tick.toExponential(0) : String(tick);
    });
  }

  const exponent = ticks.length < 2 ? 0 : stepExponent(ticks);
  const scientific = ticks.map((tick) => {
    if (tick === 0) return '0';
    return tick.toExponential(Math.min(100, Math.max(0, decimalExponent(tick) - exponent)));
  });
  const magnitude = Math.max(0, ...ticks.map(Math.abs));
  if (magnitude >= 1e21) return scientific;

  const plain = ticks.map((tick) => {
    if (tick === 0) return '0';
    return tick.toFixed(Math.min(100, Math.max(0, -exponent)));
  });
  return widest(scientific) < widest(plain) - 2 ? scientific : plain;
}
