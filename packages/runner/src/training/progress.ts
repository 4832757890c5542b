/** Where training reports how far it has come. */
export interface Progress {
  /** A step finished, with its figures. */
  step(step: number, total: number, metrics: Readonly<Record<string, number>>): void;
  /** A line about an event (evaluation, checkpoint); it must not garble a progress bar. */
  event(line: string): void;
  /** Training stopped; clear any bar. */
  end(): void;
}

interface Stream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  return `${minutes}:${String(whole % 60).padStart(2, '0')}`;
}

function summary(
  step: number,
  total: number,
  metrics: Readonly<Record<string, number>>,
  eta: number,
) {
  const loss = metrics.loss?.toFixed(4) ?? '?';
  const accuracy = metrics['rewards/accuracies']?.toFixed(2) ?? '?';
  const rate = metrics.pairs_per_second?.toFixed(1) ?? '?';
  return `step ${step}/${total} loss ${loss} acc ${accuracy} ${rate} pairs/s eta ${clock(eta)}`;
}

/**
 * A progress bar redrawn in place on a terminal; plain lines every
 * `every` steps (and at the last) when the output is a file or a pipe.
 */
export function streamProgress(stream: Stream, every: number, now = () => Date.now()): Progress {
  const started = now();
  let first: number | undefined;
  let drawn = false;

  const clear = () => {
    if (drawn) stream.write('\r\u001b[2K');
    drawn = false;
  };

  return {
    step(step, total, metrics) {
      first ??= step;
      const elapsed = (now() - started) / 1000;
      const eta = (elapsed / (step - first + 1)) * (total - step);
      const text = summary(step, total, metrics, eta);
      if (stream.isTTY) {
        const width = 20;
        const filled = Math.round((width * step) / total);
        clear();
        stream.write(`[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}`);
        drawn = true;
      } else if (step % every === 0 || step === total) {
        stream.write(`prefopt: ${text}\n`);
      }
    },
    event(line) {
      clear();
      stream.write(`prefopt: ${line}\n`);
    },
    end() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
