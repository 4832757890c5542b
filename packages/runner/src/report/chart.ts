import { seriesStroke } from './palette.js';
import { largestLinearValue, logRange, logTicks, niceTicks, tickLabels } from './ticks.js';
import { escapeXml } from './xml.js';

/** One line on a chart: its legend name and its (x, y) points, drawn in the order given. */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

/** What to draw: a titled line chart of one or more series. */
export interface ChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Pixels; default 640. */
  readonly width?: number;
  /** Pixels; default 400. */
  readonly height?: number;
  /** A logarithmic x axis (for learning rates, beta sweeps); default false. */
  readonly logX?: boolean;
}

/** How `chartGrid` lays out its panels. */
export interface GridOptions {
  /** Panels per row; default 2 (1 when there is a single panel). */
  readonly columns?: number;
  /** Pixels per panel; default 480. */
  readonly panelWidth?: number;
  /** Pixels per panel; default 320. */
  readonly panelHeight?: number;
  /** A heading above the grid; none by default. */
  readonly title?: string;
}

/**
 * Space around the plot area, in pixels: the title above, tick labels and
 * the axis labels left and below. A legend adds `legendRow` per row of
 * entries between the title and the plot.
 */
const margin = { left: 64, right: 16, top: 32, bottom: 48 } as const;
const legendRow = 16;
const headingHeight = 32;

/**
 * Rough width of a character at the 11px label size, for laying out the legend.
 * Limitation: an SVG writer cannot measure text, so names in wide scripts (CJK)
 * may run into the next legend entry.
 */
const characterWidth = 6.6;

/** A pixel coordinate, to two decimals so the document stays small. */
function pixel(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function positiveSize(value: number, what: string): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`${what} must be a positive number of pixels, got ${value}`);
  }
  return value;
}

/**
 * The points a chart can place: finite, within what a linear axis takes,
 * and positive within the log range on a logarithmic x axis.
 */
function plottable(points: Series['points'], logX: boolean): [number, number][] {
  return points
    .filter(([x, y]) => {
      const xFits = logX
        ? x >= logRange.smallest && x <= logRange.largest
        : Math.abs(x) <= largestLinearValue;
      return xFits && Math.abs(y) <= largestLinearValue;
    })
    .map(([x, y]) => [x, y]);
}

function extent(values: readonly number[]): [number, number] | undefined {
  if (values.length === 0) return undefined;
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    low = Math.min(low, value);
    high = Math.max(high, value);
  }
  return [low, high];
}

/** Legend entries wrapped into rows that fit `width`; each entry is [series index, x offset]. */
function legendRows(names: readonly string[], width: number): [number, number][][] {
  const rows: [number, number][][] = [];
  let row: [number, number][] = [];
  let offset = 0;
  names.forEach((name, index) => {
    const entryWidth = 28 + name.length * characterWidth;
    if (row.length > 0 && offset + entryWidth > width) {
      rows.push(row);
      row = [];
      offset = 0;
    }
    row.push([index, offset]);
    offset += entryWidth;
  });
  if (row.length > 0) rows.push(row);
  return rows;
}

/** Where a chart's plot area lies in its panel, and how data map onto it. */
interface Plot {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  readonly xTicks: readonly number[];
  readonly yTicks: readonly number[];
  readonly logX: boolean;
  /** Pixel column of a data x. */
  x(value: number): number;
  /** Pixel row of a data y; rows grow downward, so larger y is higher up. */
  y(value: number): number;
}

/**
 * Lays out the plot area below the title and `legendRowCount` legend rows,
 * with axes from the first to the last nice tick around the data.
 */
function plotArea(
  points: readonly (readonly [number, number])[],
  logX: boolean,
  panelWidth: number,
  panelHeight: number,
  legendRowCount: number,
): Plot {
  const left = margin.left;
  const top = margin.top + legendRowCount * legendRow;
  const width = Math.max(1, panelWidth - margin.left - margin.right);
  const height = Math.max(1, panelHeight - top - margin.bottom);

  const xRange = extent(points.map(([x]) => x));
  const yRange = extent(points.map(([, y]) => y));
  const xTicks = logX ? logTicks(...(xRange ?? [1, 10])) : niceTicks(...(xRange ?? [0, 1]));
  const yTicks = niceTicks(...(yRange ?? [0, 1]));

  const scale = logX ? Math.log10 : (value: number) => value;
  const xFrom = scale(xTicks[0] ?? 0);
  const xTo = scale(xTicks[xTicks.length - 1] ?? 1);
  const yFrom = yTicks[0] ?? 0;
  const yTo = yTicks[yTicks.length - 1] ?? 1;
  return {
    left,
    top,
    width,
    height,
    xTicks,
    yTicks,
    logX,
    x: (value) => left + (width * (scale(value) - xFrom)) / (xTo - xFrom),
    y: (value) => top + height - (height * (value - yFrom)) / (yTo - yFrom),
  };
}

/** Grid lines, ticks and their labels, the axis lines, and the axis labels. */
function axisElements(plot: Plot, spec: ChartSpec, panelHeight: number): string[] {
  const { left, top, width, height } = plot;
  const bottom = top + height;
  const elements: string[] = [];

  const xLabels = tickLabels(plot.xTicks, plot.logX);
  plot.xTicks.forEach((tick, index) => {
    const x = pixel(plot.x(tick));
    elements.push(
      `<line x1="${x}" y1="${pixel(top)}" x2="${x}" y2="${pixel(bottom)}" stroke="#e4e4e4"/>`,
      `<line x1="${x}" y1="${pixel(bottom)}" x2="${x}" y2="${pixel(bottom + 4)}" stroke="#333"/>`,
      `<text x="${x}" y="${pixel(bottom + 16)}" text-anchor="middle">` +
        `${escapeXml(xLabels[index] ?? '')}</text>`,
    );
  });

  const yLabels = tickLabels(plot.yTicks);
  plot.yTicks.forEach((tick, index) => {
    const y = pixel(plot.y(tick));
    elements.push(
      `<line x1="${pixel(left)}" y1="${y}" x2="${pixel(left + width)}" y2="${y}" ` +
        'stroke="#e4e4e4"/>',
      `<line x1="${pixel(left - 4)}" y1="${y}" x2="${pixel(left)}" y2="${y}" stroke="#333"/>`,
      `<text x="${pixel(left - 6)}" y="${y}" dy="0.32em" text-anchor="end">` +
        `${escapeXml(yLabels[index] ?? '')}</text>`,
    );
  });

  elements.push(
    `<polyline points="${pixel(left)},${pixel(top)} ${pixel(left)},${pixel(bottom)} ` +
      `${pixel(left + width)},${pixel(bottom)}" fill="none" stroke="#333"/>`,
    `<text x="${pixel(left + width / 2)}" y="${pixel(panelHeight - 10)}" text-anchor="middle">` +
      `${escapeXml(spec.xLabel)}</text>`,
    `<text transform="translate(16,${pixel(top + height / 2)}) rotate(-90)" ` +
      `text-anchor="middle">${escapeXml(spec.yLabel)}</text>`,
  );
  return elements;
}

/** The stroke attributes of the series at `index`: colour, and dashes once colours repeat. */
function strokeOf(index: number, width: number): string {
  const { colour, dash } = seriesStroke(index);
  const dashing = dash === '' ? '' : ` stroke-dasharray="${dash}"`;
  return `stroke="${colour}" stroke-width="${width}"${dashing}`;
}

/**
 * Thins a line in pixel coordinates to at most four points per run of points
 * in the same pixel column: the first, the highest, the lowest and the last,
 * in their order (pixel rows grow downward, so the highest has the least y).
 * The drawn envelope is unchanged, while a run of 100,000 steps costs a few
 * thousand points instead of megabytes of SVG.
 */
function thinned(pixels: readonly [number, number][]): [number, number][] {
  const runs: [number, number][][] = [];
  for (const point of pixels) {
    const run = runs[runs.length - 1];
    const first = run?.[0];
    if (run !== undefined && first !== undefined && Math.round(first[0]) === Math.round(point[0])) {
      run.push(point);
    } else {
      runs.push([point]);
    }
  }

  return runs.flatMap((run) => {
    if (run.length <= 4) return run;
    let top = Number.POSITIVE_INFINITY;
    let bottom = Number.NEGATIVE_INFINITY;
    let highest = 0;
    let lowest = 0;
    run.forEach(([, y], index) => {
      if (y < top) [top, highest] = [y, index];
      if (y > bottom) [bottom, lowest] = [y, index];
    });
    const keep = new Set([0, highest, lowest, run.length - 1]);
    return run.filter((_, index) => keep.has(index));
  });
}

/** A polyline per series, or a dot for a series with one point; nothing for an empty one. */
function seriesElements(plot: Plot, lines: readonly [number, number][][]): string[] {
  return lines.flatMap((line, index) => {
    const [only] = line;
    if (line.length === 1 && only !== undefined) {
      const { colour } = seriesStroke(index);
      return [
        `<circle cx="${pixel(plot.x(only[0]))}" cy="${pixel(plot.y(only[1]))}" r="3" ` +
          `fill="${colour}"/>`,
      ];
    }
    if (line.length === 0) return [];
    const pixels = line.map(([x, y]): [number, number] => [plot.x(x), plot.y(y)]);
    const coordinates = thinned(pixels).map(([x, y]) => `${pixel(x)},${pixel(y)}`);
    return [
      `<polyline points="${coordinates.join(' ')}" fill="none" ${strokeOf(index, 1.5)} ` +
        'stroke-linejoin="round"/>',
    ];
  });
}

/** Legend entries, a short line in the series' stroke and its name, row by row. */
function legendElements(rows: [number, number][][], names: readonly string[]): string[] {
  return rows.flatMap((row, rowIndex) => {
    const y = pixel(margin.top + rowIndex * legendRow + legendRow / 2);
    return row.flatMap(([index, offset]) => {
      const x = margin.left + offset;
      return [
        `<line x1="${pixel(x)}" y1="${y}" x2="${pixel(x + 18)}" y2="${y}" ${strokeOf(index, 2)}/>`,
        `<text x="${pixel(x + 22)}" y="${y}" dy="0.32em">${escapeXml(names[index] ?? '')}</text>`,
      ];
    });
  });
}

/** The elements of one chart drawn in a `width` by `height` box at the origin. */
function panel(spec: ChartSpec, width: number, height: number): string[] {
  const logX = spec.logX ?? false;
  const lines = spec.series.map((series) => plottable(series.points, logX));
  const names = spec.series.map((series) => series.name);
  const legend = names.length > 1 ? legendRows(names, width - margin.left - margin.right) : [];
  const plot = plotArea(lines.flat(), logX, width, height, legend.length);

  const elements = [
    `<text x="${pixel(width / 2)}" y="20" text-anchor="middle" font-size="14" ` +
      `font-weight="bold">${escapeXml(spec.title)}</text>`,
    ...axisElements(plot, spec, height),
  ];
  if (lines.every((line) => line.length === 0)) {
    elements.push(
      `<text x="${pixel(plot.left + plot.width / 2)}" y="${pixel(plot.top + plot.height / 2)}" ` +
        'text-anchor="middle" fill="#777">no data</text>',
    );
  }
  elements.push(...seriesElements(plot, lines), ...legendElements(legend, names));
  return elements;
}

function svgDocument(width: number, height: number, body: readonly string[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${pixel(width)}" height="${pixel(height)}" ` +
      `viewBox="0 0 ${pixel(width)} ${pixel(height)}" font-family="sans-serif" font-size="11">`,
    `<rect width="${pixel(width)}" height="${pixel(height)}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/**
 * A line chart as a standalone SVG document: nice ticks on both axes, one
 * polyline per series (a dot for a series with a single point), and a legend
 * when there is more than one series. A line with more points than the plot
 * has pixel columns is thinned to its envelope in each column. Points that
 * are not finite are left out, so the document never holds NaN or Infinity.
 * A series with no points keeps its legend entry; a chart with none says
 * "no data". Limitation: values beyond ±1e300 (and, on a log axis, x outside
 * 1e-100 to 1e100) are left out too, since ticks past them would overflow.
 *
 * The plot area is inset 64px from the left, 16px from the right, 32px from
 * the top (plus 16px per legend row) and 48px from the bottom, and its axes
 * run from the first tick to the last.
 *
 * @example lineChart({ title: 'Loss', xLabel: 'step', yLabel: 'loss',
 *   series: [{ name: 'train', points: [[1, 0.69], [2, 0.52]] }] })
 */
export function lineChart(spec: ChartSpec): string {
  const width = positiveSize(spec.width ?? 640, 'lineChart: width');
  const height = positiveSize(spec.height ?? 400, 'lineChart: height');
  return svgDocument(width, height, panel(spec, width, height));
}

/**
 * Several charts in one SVG document, as a grid of equal panels filled row
 * by row: the report's four panels, or a demo's comparison. Every panel is
 * `panelWidth` by `panelHeight`; the specs' own width and height are not used.
 */
export function chartGrid(panels: readonly ChartSpec[], options: GridOptions = {}): string {
  const panelWidth = positiveSize(options.panelWidth ?? 480, 'chartGrid: panelWidth');
  const panelHeight = positiveSize(options.panelHeight ?? 320, 'chartGrid: panelHeight');
  const columns = options.columns ?? Math.min(2, Math.max(1, panels.length));
  if (!(Number.isInteger(columns) && columns > 0)) {
    throw new RangeError(`chartGrid: columns must be a positive whole number, got ${columns}`);
  }

  const heading = options.title === undefined ? 0 : headingHeight;
  const rows = Math.ceil(panels.length / columns);
  const width = columns * panelWidth;
  const height = heading + rows * panelHeight;

  const body: string[] = [];
  if (options.title !== undefined) {
    body.push(
      `<text x="${pixel(width / 2)}" y="22" text-anchor="middle" font-size="16" ` +
        `font-weight="bold">${escapeXml(options.title)}</text>`,
    );
  }
  panels.forEach((spec, index) => {
    const x = (index % columns) * panelWidth;
    const y = heading + Math.floor(index / columns) * panelHeight;
    body.push(
      `<g transform="translate(${pixel(x)},${pixel(y)})">`,
      ...panel(spec, panelWidth, panelHeight),
      '</g>',
    );
  });
  return svgDocument(width, Math.max(1, height), body);
}
