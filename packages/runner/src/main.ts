import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type BackendName,
  backendNames,
  type Logger,
  oneOf,
  selectBackend,
  UserError,
} from '@prefopt/core';
import { createRunRegistry } from './builtins.js';
import { demo } from './commands/demo.js';
import { evaluate } from './commands/evaluate.js';
import { formatPluginList, listPlugins } from './commands/list.js';
import { pairs } from './commands/pairs.js';
import { train } from './commands/train.js';
import { readConfigFile, registerConfigPlugins } from './config.js';
import { runFiles, writeReport } from './report/index.js';
import { streamProgress } from './training/progress.js';

/** Where the command line writes: its results, and its events and errors. */
export interface Terminal {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
}

/** What the process around the command line provides. */
export interface Session {
  /** Aborted, with the signal's name as reason, when the user asks the run to stop. */
  readonly signal?: AbortSignal;
}

export const usage = `prefopt: preference optimization objectives on TensorFlow.js

Usage:
  prefopt demo [--quick] [--output DIR] [--configs DIR]
      The entropy experiment end to end: H-DPO on a bandit against its
      closed form, then DPO and H-DPO on arithmetic from a pre-trained
      reference, graded on held-out prompts. Writes DIR/report (default
      runs/demo). --quick runs a reduced version in under a minute. Run it
      again with the same --output to continue an interrupted demo.
  prefopt train --config FILE [--set key.path=value ...] [--dry-run]
  prefopt train --resume RUN_DIR
      Train as the config describes, into its output directory (default
      runs/<config name>). --set overrides one value, e.g. --set objective.alpha=0.8.
      --dry-run validates everything and prints the resolved config.
      Ctrl-C (or SIGTERM) finishes the step, writes a checkpoint and exits
      with 130 (143); --resume RUN_DIR continues exactly where it stopped.
  prefopt eval --run RUN_DIR | --config FILE [--samples N] [--max-tokens N] [--limit N] [--seed N]
      Grade the policy's own answers on a task with checkable answers
      (arithmetic): greedy accuracy, accuracy at temperature 1, pass@k
      (unbiased), distinct answers per prompt and entropy. For a run, the
      figures also go to RUN_DIR/eval.json. Defaults: 16 samples, 8 tokens.
  prefopt pairs --run RUN_DIR | --config FILE --out FILE [--samples N] [--per-prompt N]
                [--max-tokens N] [--seed N]
      Write preference pairs from the policy's own answers on its training
      task: a correct answer chosen, each distinct wrong sampled answer
      rejected (at most --per-prompt, default 2; 8 samples, 8 tokens).
  prefopt report RUN_DIR
      Draw a run: loss, reward margin, accuracy and entropy against step in
      RUN_DIR/report.svg, and a short summary in RUN_DIR/report.md.
  prefopt list [--config FILE] [--json]
      List the objectives, policies and datasets, each with its options.
      With --config, also those of the modules the config names under plugins:.
  prefopt backend [--backend NAME]
      Choose a TensorFlow.js backend as a run would and say which and why.
      NAME is one of ${backendNames.join(', ')} (default auto).
  prefopt help
      Show this text. prefopt --version prints the version.

A mistake in the input exits with code 2 and one line saying what is wrong.
`;

const commandOptions = {
  demo: {
    quick: { type: 'boolean' },
    output: { type: 'string' },
    configs: { type: 'string' },
  },
  train: {
    config: { type: 'string' },
    set: { type: 'string', multiple: true },
    'dry-run': { type: 'boolean' },
    resume: { type: 'string' },
  },
  eval: {
    run: { type: 'string' },
    config: { type: 'string' },
    samples: { type: 'string' },
    'max-tokens': { type: 'string' },
    limit: { type: 'string' },
    seed: { type: 'string' },
  },
  pairs: {
    run: { type: 'string' },
    config: { type: 'string' },
    out: { type: 'string' },
    samples: { type: 'string' },
    'per-prompt': { type: 'string' },
    'max-tokens': { type: 'string' },
    seed: { type: 'string' },
  },
  report: {},
  list: { config: { type: 'string' }, json: { type: 'boolean' } },
  backend: { backend: { type: 'string' } },
  help: {},
} as const;

type Command = keyof typeof commandOptions;

function isCommand(name: string): name is Command {
  return Object.hasOwn(commandOptions, name);
}

function parse(command: Command, args: string[]) {
  try {
    const allowPositionals = command === 'report';
    const parsed = parseArgs({
      args,
      options: commandOptions[command],
      strict: true,
      allowPositionals,
    });
    return { ...parsed.values, positionals: parsed.positionals } as {
      positionals: string[];
      config?: string;
      json?: boolean;
      backend?: string;
      set?: string[];
      'dry-run'?: boolean;
      resume?: string;
      run?: string;
      samples?: string;
      'max-tokens'?: string;
      limit?: string;
      seed?: string;
      out?: string;
      'per-prompt'?: string;
      quick?: boolean;
      output?: string;
      configs?: string;
    };
  } catch (error) {
    throw new UserError(`${command}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** A whole number given as a flag, at least `least`. */
function integerFlag(flag: string, text: string | undefined, least: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < least) {
    throw new UserError(`--${flag}: must be an integer >= ${least}, got ${JSON.stringify(text)}`);
  }
  return value;
}

function terminalLogger(terminal: Terminal): Logger {
  return {
    info: (line) => terminal.stderr.write(`prefopt: ${line}\n`),
    warn: (line) => terminal.stderr.write(`prefopt: warning: ${line}\n`),
  };
}

async function run(argv: string[], terminal: Terminal, session: Session): Promise<number> {
  const [name = 'help', ...args] = argv;
  if (name === '--help' || name === '-h') {
    terminal.stdout.write(usage);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
    terminal.stdout.write(`${version}\n`);
    return 0;
  }
  if (!isCommand(name)) {
    const known = Object.keys(commandOptions).join(', ');
    throw new UserError(`unknown command '${name}' (commands: ${known}; see prefopt help)`);
  }
  const values = parse(name, args);

  if (name === 'help') {
    terminal.stdout.write(usage);
  } else if (name === 'demo') {
    return demo(
      {
        quick: values.quick ?? false,
        output: values.output ?? join('runs', values.quick ? 'demo-quick' : 'demo'),
        ...(values.configs === undefined ? {} : { configs: values.configs }),
      },
      {
        logger: terminalLogger(terminal),
        progress: (logEvery) => streamProgress(terminal.stderr, logEvery),
        print: (text) => terminal.stdout.write(text),
        ...(session.signal === undefined ? {} : { signal: session.signal }),
      },
    );
  } else if (name === 'train') {
    const logger = terminalLogger(terminal);
    return train(
      {
        ...(values.config === undefined ? {} : { config: values.config }),
        ...(values.resume === undefined ? {} : { resume: values.resume }),
        set: values.set ?? [],
        dryRun: values['dry-run'] ?? false,
      },
      {
        logger,
        progress: (logEvery) => streamProgress(terminal.stderr, logEvery),
        print: (text) => terminal.stdout.write(text),
        ...(session.signal === undefined ? {} : { signal: session.signal }),
      },
    );
  } else if (name === 'eval') {
    const limit = integerFlag('limit', values.limit, 1);
    const seed = integerFlag('seed', values.seed, 0);
    return evaluate(
      {
        ...(values.run === undefined ? {} : { run: values.run }),
        ...(values.config === undefined ? {} : { config: values.config }),
        samples: integerFlag('samples', values.samples, 1) ?? 16,
        maxTokens: integerFlag('max-tokens', values['max-tokens'], 1) ?? 8,
        ...(limit === undefined ? {} : { limit }),
        ...(seed === undefined ? {} : { seed }),
      },
      {
        logger: terminalLogger(terminal),
        print: (text) => terminal.stdout.write(text),
      },
    );
  } else if (name === 'pairs') {
    if (values.out === undefined) throw new UserError('pairs: give --out FILE for the JSONL pairs');
    const seed = integerFlag('seed', values.seed, 0);
    return pairs(
      {
        ...(values.run === undefined ? {} : { run: values.run }),
        ...(values.config === undefined ? {} : { config: values.config }),
        out: values.out,
        samples: integerFlag('samples', values.samples, 1) ?? 8,
        perPrompt: integerFlag('per-prompt', values['per-prompt'], 1) ?? 2,
        maxTokens: integerFlag('max-tokens', values['max-tokens'], 1) ?? 8,
        ...(seed === undefined ? {} : { seed }),
      },
      terminalLogger(terminal),
    );
  } else if (name === 'report') {
    const [runDirectory, ...extra] = values.positionals;
    if (runDirectory === undefined || extra.length > 0) {
      throw new UserError('report: give one run directory: prefopt report RUN_DIR');
    }
    await writeReport(runDirectory);
    terminal.stdout.write(
      `${join(runDirectory, runFiles.chart)}\n${join(runDirectory, runFiles.markdown)}\n`,
    );
  } else if (name === 'list') {
    const registry = createRunRegistry();
    if (values.config !== undefined) {
      await registerConfigPlugins(await readConfigFile(values.config), registry);
    }
    const listing = values.json
      ? `${JSON.stringify(listPlugins(registry), null, 2)}\n`
      : formatPluginList(registry);
    terminal.stdout.write(listing);
  } else {
    const backendOption = oneOf(backendNames, { description: 'backend', default: 'auto' });
    const requested: BackendName = backendOption.parse(values.backend, '--backend');
    const choice = await selectBackend(requested, terminalLogger(terminal));
    terminal.stdout.write(`${choice.backend}\n`);
  }
  return 0;
}

/**
 * Runs the command line and returns its exit code: 0 on success, 2 for a
 * mistake in the input (one line on stderr), 1 for a bug (with its stack).
 */
export async function main(
  argv: string[],
  terminal: Terminal,
  session: Session = {},
): Promise<number> {
  try {
    return await run(argv, terminal, session);
  } catch (error) {
    if (error instanceof UserError) {
      terminal.stderr.write(`prefopt: ${error.message}\n`);
      return 2;
    }
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    terminal.stderr.write(`prefopt: internal error, please report it:\n${text}\n`);
    return 1;
  }
}
