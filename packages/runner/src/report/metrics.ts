import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UserError } from '@prefopt/core';

/**
 * One line of metrics.jsonl: its step and each metric that had a finite
 * number. Metrics that were missing, null, not numbers, or too large for a
 * double are absent, so a reader never meets null or NaN.
 */
export type MetricRow = { readonly step: number } & Readonly<Record<string, number>>;

/** A run's metrics, split into training lines and evaluation lines, in file order. */
export interface RunMetrics {
  readonly train: readonly MetricRow[];
  /** Keys keep their `eval/` prefix, as in the file: `eval/loss`, `eval/entropy`. */
  readonly eval: readonly MetricRow[];
}

/** The prefix that marks an evaluation metric. */
export const evalPrefix = 'eval/';

function toRow(value: unknown, where: string): MetricRow {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UserError(`${where}: expected a JSON object of metrics`);
  }

  const fields = value as Record<string, unknown>;
  const step = fields.step;
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) {
    const got = step === undefined ? 'it is missing' : `got ${JSON.stringify(step)}`;
    throw new UserError(`${where}: "step" must be a whole number, 0 or more (${got})`);
  }

  const row: Record<string, number> = { step };
  for (const [key, metric] of Object.entries(fields)) {
    if (typeof metric === 'number' && Number.isFinite(metric)) row[key] = metric;
  }
  return row as MetricRow;
}

/**
 * Parses the text of a metrics.jsonl file. A line with any `eval/` key is an
 * evaluation line; every other line is a training line. Blank lines are
 * skipped. An unparsable last line is ignored, since a run killed while
 * writing leaves one; an unparsable line anywhere else is the user's to fix,
 * and the error names `path` and the line.
 */
export function parseMetrics(text: string, path: string): RunMetrics {
  const lines = text.split('\n');
  let lastLine = lines.length - 1;
  while (lastLine >= 0 && (lines[lastLine] ?? '').trim() === '') lastLine -= 1;

  const train: MetricRow[] = [];
  const evaluation: MetricRow[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${path}:${index + 1}`;

    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (index === lastLine) return;
      throw new UserError(`${where}: not valid JSON`);
    }

    const row = toRow(value, where);
    const isEval = Object.keys(row).some((key) => key.startsWith(evalPrefix));
    (isEval ? evaluation : train).push(row);
  });
  return { train, eval: evaluation };
}

/**
 * Reads a run's metrics.jsonl (see `parseMetrics`). A missing file most
 * likely means the path is not a run directory, and the error says so.
 *
 * Limitation: the whole file is read into memory; fine for the tens of
 * thousands of lines a run writes, not for a file of gigabytes.
 */
export async function readMetrics(path: string): Promise<RunMetrics> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UserError(`${path}: no such file; is ${dirname(path)} a run directory?`);
    }
    throw new UserError(`${path}: cannot read the metrics (${code ?? String(error)})`);
  }
  return parseMetrics(text, path);
}
