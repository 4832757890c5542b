import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ChartSpec, chartGrid, lineChart, seriesPalette } from '../../src/report/index.js';
import { xmlProblems } from './xml-check.js';

/**
 * The points and colour of each series polyline; the axes' polyline is
 * stroked #333, not a palette colour.
 */
function seriesPolylines(svg: string): { points: string; colour: string }[] {
  const polyline = /<polyline points="([^"]*)" fill="none" stroke="(#[0-9A-F]{6})"/g;
  return [...svg.matchAll(polyline)].map(([, points = '', colour = '']) => ({ points, colour }));
}

const base = { title: 'Loss', xLabel: 'step', yLabel: 'loss', width: 280, height: 180 };

describe('xmlProblems (the test helper)', () => {
  it('finds crossed tags, stray ampersands and bare angle brackets', () => {
    expect(xmlProblems('<a><b></b></a>')).toEqual([]);
    expect(xmlProblems('<a><b></a></b>')).not.toEqual([]);
    expect(xmlProblems('<a>x & y</a>')).not.toEqual([]);
    expect(xmlProblems('<a>x < y</a>')).not.toEqual([]);
    expect(xmlProblems('<a></a><a></a>')).not.toEqual([]);
  });
});

describe('lineChart', () => {
  it('maps data to pixels: x 0..10 over 200px from 64, y 0..1 over 100px from 132 up', () => {
    // 280x180 leaves a plot 280-64-16 = 200 wide from x 64 and 180-32-48 = 100
    // high from y 32. Ticks: x 0..10 (step 2), y 0..1 (step 0.2, as 0..0.93 would).
    // (0, 0) -> (64, 132); (5, 0.93) -> (64 + 100, 132 - 93) = (164, 39);
    // (10, 0.5) -> (264, 82).
    const svg = lineChart({
      ...base,
      series: [
        {
          name: 'train',
          points: [
            [0, 0],
            [5, 0.93],
            [10, 0.5],
          ],
        },
      ],
    });
    expect(seriesPolylines(svg)).toEqual([{ points: '64,132 164,39 264,82', colour: '#0072B2' }]);
    expect(svg).toContain('>0.8</text>');
    expect(svg).toContain('>10</text>');
  });

  it('maps a logarithmic x axis by decades', () => {
    // Ticks 1, 10, 100: log10 x = 0, 1, 2 -> fractions 0, 0.5, 1 -> x 64, 164, 264.
    // y ticks 0..1: y 0, 1, 0.5 -> 132, 32, 82.
    const svg = lineChart({
      ...base,
      logX: true,
      series: [
        {
          name: 'sweep',
          points: [
            [1, 0],
            [10, 1],
            [100, 0.5],
          ],
        },
      ],
    });
    expect(seriesPolylines(svg)).toEqual([{ points: '64,132 164,32 264,82', colour: '#0072B2' }]);
  });

  it('skips points that are not finite, and on a log axis those at or below zero', () => {
    // Left: (0, 0) and (10, 1), the same mapping as above: (64, 132) and (264, 32).
    const svg = lineChart({
      ...base,
      series: [
        {
          name: 'train',
          points: [
            [0, 0],
            [Number.NaN, 3],
            [5, Number.POSITIVE_INFINITY],
            [10, 1],
          ],
        },
      ],
    });
    expect(seriesPolylines(svg)).toEqual([{ points: '64,132 264,32', colour: '#0072B2' }]);

    const logSvg = lineChart({ ...base, logX: true, series: [{ name: 'a', points: [[0, 1]] }] });
    expect(logSvg).toContain('no data');
    expect(logSvg).not.toContain('<circle');
  });

  it('marks a single point with a dot at the centre of its widened axes', () => {
    // x 3 widens to 2.7..3.3, ticked 2.6..3.4, so 3 sits mid-plot at 64 + 100 = 164;
    // y 7 widens to 6.3..7.7, ticked 6..8, so 7 sits at 32 + 50 = 82.
    const svg = lineChart({ ...base, series: [{ name: 'final', points: [[3, 7]] }] });
    expect(svg).toContain('<circle cx="164" cy="82" r="3" fill="#0072B2"/>');
    expect(seriesPolylines(svg)).toEqual([]);
  });

  it('draws a constant series as a flat line mid-plot', () => {
    // y 0.5 widens to 0.45..0.55, ticked 0.45..0.6: 0.5 is a third of the way up,
    // 132 - 100/3 = 98.67. x 1..4: step 0.5 needs 7 ticks, step 1 needs 1, 2, 3, 4,
    // so x 1, 2, 4 -> 64, 64 + 200/3 = 130.67, 264.
    const svg = lineChart({
      ...base,
      series: [
        {
          name: 'flat',
          points: [
            [1, 0.5],
            [2, 0.5],
            [4, 0.5],
          ],
        },
      ],
    });
    expect(seriesPolylines(svg)[0]?.points).toBe('64,98.67 130.67,98.67 264,98.67');
  });

  it('thins a long line to its envelope: at most four points per pixel column', () => {
    // x 0..9999 is ticked 0..10000 (step 2000), y -1..1 (step 0.5), on 200x100 px.
    // The peak y 1 at x 5000 maps to (64 + 200 * 0.5, 32) = (164, 32), the trough
    // y -1 at x 7000 to (64 + 200 * 0.7, 132) = (204, 132). Columns 64..264 are
    // 201, so at most 804 points remain of 10,000.
    const points = Array.from({ length: 10_000 }, (_, x): [number, number] => {
      if (x === 5000) return [x, 1];
      if (x === 7000) return [x, -1];
      return [x, 0.5 * Math.sin(x)];
    });
    const svg = lineChart({ ...base, series: [{ name: 'long', points }] });

    const drawn = (seriesPolylines(svg)[0]?.points ?? '').split(' ');
    expect(drawn.length).toBeLessThanOrEqual(804);
    expect(drawn).toContain('164,32');
    expect(drawn).toContain('204,132');
    expect(drawn[0]).toMatch(/^64,/);
    expect(drawn[drawn.length - 1]).toMatch(/^263\.98,/);
  });

  it('gives each series its own palette colour and a legend entry', () => {
    const names = ['train', 'eval', 'third'];
    const svg = lineChart({
      ...base,
      series: names.map((name, index) => ({
        name,
        points: [
          [0, index],
          [1, index + 1],
        ],
      })),
    });
    expect(seriesPolylines(svg).map(({ colour }) => colour)).toEqual(seriesPalette.slice(0, 3));
    for (const name of names) expect(svg).toContain(`>${name}</text>`);
  });

  it('has no legend for a single series', () => {
    const svg = lineChart({
      ...base,
      series: [
        {
          name: 'only-one',
          points: [
            [0, 1],
            [1, 2],
          ],
        },
      ],
    });
    expect(svg).not.toContain('only-one');
  });

  it('dashes series once the palette repeats', () => {
    const series = Array.from({ length: seriesPalette.length + 1 }, (_, index) => ({
      name: `s${index}`,
      points: [
        [0, index],
        [1, index],
      ] as [number, number][],
    }));
    const svg = lineChart({ ...base, series });
    expect(svg.match(/<polyline [^>]*stroke-dasharray/g)).toHaveLength(1);
  });

  it('escapes markup in the title, labels and series names', () => {
    const svg = lineChart({
      ...base,
      title: 'loss < 0.5 & "falling"',
      xLabel: '<step>',
      series: [
        { name: 'a&b', points: [[0, 1]] },
        { name: "it's", points: [] },
      ],
    });
    expect(svg).toContain('loss &lt; 0.5 &amp; &quot;falling&quot;');
    expect(svg).toContain('&lt;step&gt;');
    expect(svg).toContain('a&amp;b');
    expect(svg).not.toContain('<step>');
    expect(xmlProblems(svg)).toEqual([]);
  });

  it('says "no data" when no series has a point', () => {
    const svg = lineChart({ ...base, series: [] });
    expect(svg).toContain('>no data</text>');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('rejects a size that is not a positive number', () => {
    expect(() => lineChart({ ...base, width: 0, series: [] })).toThrow(RangeError);
    expect(() => lineChart({ ...base, height: Number.NaN, series: [] })).toThrow(RangeError);
  });
});

/** Numbers as a run may log them, and worse: constants, extremes, and not numbers at all. */
const anyValue = fc.oneof(
  fc.double(),
  fc.double({ min: -1e-300, max: 1e-300 }),
  fc.constantFrom(0, -0, 0.5, 1e300, -1e300, 1.7e308, Number.MIN_VALUE, Number.NaN),
  fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.integer({ min: 0, max: 10_000 }),
);
const anySeries = fc.oneof(
  fc.array(fc.tuple(anyValue, anyValue), { maxLength: 20 }),
  fc
    .tuple(anyValue, fc.integer({ min: 0, max: 10 }))
    .map(([value, length]) =>
      Array.from({ length }, (_, step) => [step, value] as [number, number]),
    ),
);
const anyChart: fc.Arbitrary<ChartSpec> = fc.record({
  title: fc.constant('title'),
  xLabel: fc.constant('x'),
  yLabel: fc.constant('y'),
  series: fc
    .array(anySeries, { maxLength: 9 })
    .map((lines) => lines.map((points, index) => ({ name: `series ${index}`, points }))),
  width: fc.integer({ min: 1, max: 2000 }),
  height: fc.integer({ min: 1, max: 2000 }),
  logX: fc.boolean(),
});

describe('chart laws', () => {
  it('law: a chart of any series holds no NaN or Infinity and is well-formed', () => {
    fc.assert(
      fc.property(anyChart, (spec) => {
        const svg = lineChart(spec);
        expect(svg).not.toMatch(/NaN|Infinity/);
        expect(xmlProblems(svg)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('law: any text in titles, labels and names leaves the document well-formed', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 12 });
    fc.assert(
      fc.property(text, text, fc.array(text, { maxLength: 3 }), (title, label, names) => {
        const series = names.map((name) => ({ name, points: [[1, 2]] as [number, number][] }));
        const svg = lineChart({ title, xLabel: label, yLabel: label, series });
        expect(xmlProblems(svg)).toEqual([]);
      }),
    );
  });

  it('law: a grid of any charts holds no NaN or Infinity and is well-formed', () => {
    fc.assert(
      fc.property(
        fc.array(anyChart, { maxLength: 5 }),
        fc.integer({ min: 1, max: 4 }),
        (specs, columns) => {
          const svg = chartGrid(specs, { columns, title: 'grid & <co>' });
          expect(svg).not.toMatch(/NaN|Infinity/);
          expect(xmlProblems(svg)).toEqual([]);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('chartGrid', () => {
  it('places panels row by row in cells of the panel size, under the heading', () => {
    // Two columns of 300x200 under a 32px heading: panel 3 (index 2) starts
    // at (0, 32 + 200); the document is 600 wide and 32 + 2 * 200 = 432 high.
    const panel = (title: string) => ({ ...base, title, series: [] });
    const svg = chartGrid([panel('a'), panel('b'), panel('c')], {
      columns: 2,
      panelWidth: 300,
      panelHeight: 200,
      title: 'Run',
    });
    expect(svg).toContain('width="600" height="432"');
    expect(
      [...svg.matchAll(/<g transform="translate\(([\d.]+),([\d.]+)\)">/g)].map(
        (m) => `${m[1]},${m[2]}`,
      ),
    ).toEqual(['0,32', '300,32', '0,232']);
    expect(xmlProblems(svg)).toEqual([]);
  });
});
