import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files.js';

/** One line of metrics.jsonl: the step and named figures. */
export type MetricsRecord = { readonly step: number } & Readonly<Record<string, number>>;

/**
 * The run's `metrics.jsonl`: one JSON object per line, appended whole, so a
 * reader only ever meets a partial last line.
 */
export class MetricsLog {
  readonly path: string;

  constructor(runDirectory: string) {
    this.path = join(runDirectory, 'metrics.jsonl');
  }

  async append(record: MetricsRecord): Promise<void> {
    await appendFile(this.path, `${JSON.stringify(record)}\n`);
  }

  /**
   * Drops lines past `step` (and a partial last line), so that a resumed
   * run's file ends up the same as a run that was never interrupted.
   */
  async truncateAfter(step: number): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      return;
    }
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    const kept = lines.filter((line) => {
      try {
        return (JSON.parse(line) as { step: number }).step <= step;
      } catch {
        return false;
      }
    });
    if (kept.length === lines.length && text.endsWith('\n')) return;
    await writeFileAtomic(this.path, kept.map((line) => `${line}\n`).join(''));
  }
}
