import { evaluationFigures } from './evaluation.js';
import { formatValue } from './format.js';
import type { RunMetrics } from './metrics.js';
import { describeRunConfig } from './run-config.js';
import { type MetricSummary, type StepValue, summarizeMetrics } from './summary.js';

/** Everything the report says about a run, as read from its directory. */
export interface RunContents {
  /** The run directory's name, for the title. */
  readonly name: string;
  readonly metrics: RunMetrics;
  /** config.json, where the run has one. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** eval.json, where the run has one. */
  readonly evaluation?: Readonly<Record<string, unknown>>;
}

/** The file the Markdown embeds; both live in the run directory. */
export const chartFileName = 'report.svg';

const absent = '–';

/** A table cell: a pipe would end the cell, a line break the row. */
function cell(text: string): string {
  return text
    .replaceAll('\\', '\\\\')
    .replaceAll('|', '\\|')
    .replace(/\s*\n\s*/g, ' ');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const alignment = header.map((_, index) => (index === 0 ? ':--' : '--:'));
  return [header, alignment, ...rows].map((row) => `| ${row.map(cell).join(' | ')} |`);
}

function value(entry: StepValue | undefined): string {
  return entry === undefined ? absent : formatValue(entry.value);
}

function metricLine(summary: MetricSummary): string[] {
  const best = summary.best;
  return [
    summary.metric,
    value(summary.first),
    value(summary.last),
    best === undefined ? absent : `${formatValue(best.value)} (step ${best.step})`,
    value(summary.finalEval),
  ];
}

function configLine(config: RunContents['config']): string {
  if (config === undefined) return 'No config.json in the run directory.';
  const description = describeRunConfig(config);
  return description === undefined
    ? 'config.json names no objective, policy, dataset, seed or steps.'
    : `Config: ${description}.`;
}

/** How far the run got: its highest training step, since a resumed run may log a step twice. */
function progressLine(metrics: RunMetrics): string {
  const lines = `${metrics.train.length} training lines, ${metrics.eval.length} evaluation lines`;
  if (metrics.train.length === 0) return `No training steps logged yet (${lines}).`;
  const furthest = metrics.train.reduce((highest, row) => Math.max(highest, row.step), 0);
  return `Trained to step ${furthest} (${lines}).`;
}

/**
 * The report as Markdown: title, what the run was, how far it got, a table
 * of each metric's first, last, best and final evaluation value, the chart,
 * and the answer evaluation where the run has one.
 */
export function renderMarkdown(run: RunContents): string {
  const lines = [
    `# Run report: ${run.name}`,
    '',
    configLine(run.config),
    '',
    progressLine(run.metrics),
    '',
  ];

  const summaries = summarizeMetrics(run.metrics);
  if (summaries.length > 0) {
    lines.push(
      ...table(['metric', 'first', 'last', 'best', 'final eval'], summaries.map(metricLine)),
      '',
    );
  }
  lines.push(`![](${chartFileName})`, '');

  const figures = run.evaluation === undefined ? [] : evaluationFigures(run.evaluation);
  if (figures.length > 0) {
    const rows = figures.map(([label, figure]) => [label, formatValue(figure)]);
    lines.push('## Answer evaluation', '', ...table(['measure', 'value'], rows), '');
  }
  return lines.join('\n');
}
