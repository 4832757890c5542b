export { type ChartSpec, chartGrid, type GridOptions, lineChart, type Series } from './chart.js';
export type { AnswerEvaluation } from './evaluation.js';
export type { RunContents } from './markdown.js';
export { type MetricRow, parseMetrics, type RunMetrics, readMetrics } from './metrics.js';
export { seriesPalette } from './palette.js';
export { type RunReport, renderReport, runFiles, writeReport } from './report.js';
export { type MetricSummary, type StepValue, summarizeMetrics } from './summary.js';
export { logTicks, niceTicks, tickLabels } from './ticks.js';
export { escapeXml } from './xml.js';
