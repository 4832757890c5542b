import { basename, join, resolve } from 'node:path';
import { UserError } from '@prefopt/core';
import { writeFileAtomic } from '../files.js';
import { type ChartSpec, chartGrid, type Series } from './chart.js';
import { readJsonObject } from './json-file.js';
import { chartFileName, type RunContents, renderMarkdown } from './markdown.js';
import { evalPrefix, type MetricRow, type RunMetrics, readMetrics } from './metrics.js';

/** A run's report: the chart and the Markdown page that embeds it. */
export interface RunReport {
  readonly svg: string;
  readonly markdown: string;
}

/** The files a run directory holds that the report reads, and those it writes. */
export const runFiles = {
  metrics: 'metrics.jsonl',
  config: 'config.json',
  evaluation: 'eval.json',
  chart: chartFileName,
  markdown: 'report.md',
} as const;

/** The four panels: the metric each plots, and how it is labelled. */
const panels = [
  { metric: 'loss', title: 'Loss', yLabel: 'loss' },
  { metric: 'rewards/margins', title: 'Reward margin', yLabel: 'chosen minus rejected reward' },
  { metric: 'rewards/accuracies', title: 'Reward accuracy', yLabel: 'fraction of pairs' },
  { metric: 'entropy', title: 'Entropy', yLabel: 'policy entropy' },
] as const;

function pointsOf(rows: readonly MetricRow[], key: string): [number, number][] {
  return rows.flatMap((row) => {
    const value = row[key];
    return value === undefined ? [] : [[row.step, value] as [number, number]];
  });
}

/**
 * The report's panels against step, training first so it takes the same
 * colour in every panel. A run that never evaluated gets no eval series,
 * rather than an empty legend entry in each panel.
 */
export function reportPanels(metrics: RunMetrics): ChartSpec[] {
  return panels.map(({ metric, title, yLabel }) => {
    const series: Series[] = [{ name: 'train', points: pointsOf(metrics.train, metric) }];
    if (metrics.eval.length > 0) {
      series.push({ name: 'eval', points: pointsOf(metrics.eval, `${evalPrefix}${metric}`) });
    }
    return { title, xLabel: 'step', yLabel, series };
  });
}

/** The report of a run already read, without touching the disk. */
export function renderReport(run: RunContents): RunReport {
  return {
    svg: chartGrid(reportPanels(run.metrics), { columns: 2, title: run.name }),
    markdown: renderMarkdown(run),
  };
}

async function writeReportFile(path: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(path, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new UserError(`${path}: cannot write the report (${code})`);
  }
}

/**
 * Reads a run directory (metrics.jsonl, and config.json and eval.json where
 * present) and writes report.svg and report.md into it, each atomically, so
 * a report interrupted part way leaves the previous files whole. The chart
 * goes first, so report.md never embeds a chart that is not there yet.
 * Returns both texts.
 */
export async function writeReport(runDirectory: string): Promise<RunReport> {
  const metrics = await readMetrics(join(runDirectory, runFiles.metrics));
  const config = await readJsonObject(join(runDirectory, runFiles.config));
  const evaluation = await readJsonObject(join(runDirectory, runFiles.evaluation));

  const report = renderReport({
    name: basename(resolve(runDirectory)),
    metrics,
    config,
    evaluation,
  });
  await writeReportFile(join(runDirectory, runFiles.chart), report.svg);
  await writeReportFile(join(runDirectory, runFiles.markdown), report.markdown);
  return report;
}
