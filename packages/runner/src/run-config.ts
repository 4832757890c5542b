import {
  type AnyPlugin,
  backendNames,
  type Infer,
  listOf,
  number,
  OptionsError,
  object,
  oneOf,
  optional,
  type PluginKind,
  type PluginRegistry,
  type Schema,
  string,
  UserError,
} from '@prefopt/core';

/** `auto`, or a whole number from 1 up. */
function countOrAuto(description: string): Schema<number | 'auto'> {
  const constraint = 'auto or integer >= 1';
  return {
    description,
    constraint,
    defaultValue: 'auto',
    parse(value, path) {
      if (value === undefined || value === 'auto') return 'auto';
      if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
      throw new OptionsError(path, `must be ${constraint}, got ${JSON.stringify(value)}`);
    },
  };
}

export const trainingOptions = object({
  steps: optional(
    number({ description: 'optimizer steps; give steps or epochs', integer: true, atLeast: 1 }),
  ),
  epochs: optional(
    number({
      description: 'passes over the training pairs (default 1)',
      integer: true,
      atLeast: 1,
    }),
  ),
  batchSize: number({
    description: 'pairs per micro-batch',
    integer: true,
    atLeast: 1,
    default: 16,
  }),
  gradientAccumulation: number({
    description: 'micro-batches per optimizer step',
    integer: true,
    atLeast: 1,
    default: 1,
  }),
  optimizer: oneOf(['adam', 'adamw'], {
    description: 'adam: weight decay added to the gradient; adamw: decoupled weight decay',
    default: 'adamw',
  }),
  learningRate: number({ description: 'peak learning rate', greaterThan: 0, default: 5e-4 }),
  weightDecay: number({ description: 'weight decay', atLeast: 0, default: 0 }),
  beta1: number({ description: 'Adam first-moment decay', atLeast: 0, lessThan: 1, default: 0.9 }),
  beta2: number({
    description: 'Adam second-moment decay',
    atLeast: 0,
    lessThan: 1,
    default: 0.999,
  }),
  warmupSteps: number({
    description: 'steps of linear warmup from 0',
    integer: true,
    atLeast: 0,
    default: 0,
  }),
  decay: oneOf(['constant', 'linear', 'cosine'], {
    description: 'learning rate after warmup, down to 0 at the last step unless constant',
    default: 'constant',
  }),
  clipNorm: optional(number({ description: 'largest global gradient norm', greaterThan: 0 })),
  evalEvery: number({
    description: 'steps between evaluations on held-out pairs; 0: only at the end',
    integer: true,
    atLeast: 0,
    default: 0,
  }),
  checkpointEvery: number({
    description: 'steps between checkpoints; 0: only at the end',
    integer: true,
    atLeast: 0,
    default: 0,
  }),
  logEvery: number({
    description: 'steps between progress lines when output is not a terminal',
    integer: true,
    atLeast: 1,
    default: 10,
  }),
  threads: countOrAuto(
    'threads sharing each micro-batch, each with its own copy of the policy; ' +
      'auto: one per core (up to 4) on wasm and cpu, 1 on the native backends',
  ),
});

export type TrainingOptions = Infer<typeof trainingOptions>;

export const referenceOptions = object({
  run: optional(
    string({
      description:
        'a run directory whose final policy is the reference (default: the starting policy)',
    }),
  ),
  batchSize: number({
    description: 'pairs per forward pass when scoring the reference, once per run',
    integer: true,
    atLeast: 1,
    default: 64,
  }),
});

export type ReferenceOptions = Infer<typeof referenceOptions>;

const topLevel = object({
  seed: number({
    description: 'seed of every random draw of the run',
    integer: true,
    atLeast: 0,
    default: 1,
  }),
  backend: oneOf(backendNames, { description: 'TensorFlow.js backend', default: 'auto' }),
  plugins: listOf(string({ description: 'a package name, or a path relative to the config' }), {
    description: 'extra plugin modules to load',
    default: [],
  }),
  init: optional(
    string({
      description: 'a run directory whose final policy weights start this run (and its reference)',
    }),
  ),
  output: optional(string({ description: 'the run directory (default: runs/<config file name>)' })),
});

/** A plugin chosen by name in a config section, with its validated options. */
export interface PluginChoice {
  readonly name: string;
  readonly options: Record<string, unknown>;
}

/** A whole run, validated: what `prefopt train` does, with every default filled in. */
export interface RunConfig extends Infer<typeof topLevel> {
  readonly objective: PluginChoice;
  readonly policy: PluginChoice;
  readonly data: {
    readonly train: PluginChoice;
    readonly eval?: PluginChoice;
    readonly evalFraction: number;
  };
  readonly reference: ReferenceOptions;
  readonly training: TrainingOptions;
}

const sections = [
  'seed',
  'backend',
  'plugins',
  'init',
  'output',
  'objective',
  'policy',
  'reference',
  'data',
  'training',
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{name: hdpo, alpha: 0.9}`: the plugin named, its options checked by its own schema. */
function choosePlugin(
  registry: PluginRegistry,
  kind: PluginKind,
  value: unknown,
  path: string,
): PluginChoice {
  if (typeof value === 'string') return choosePlugin(registry, kind, { name: value }, path);
  if (!isRecord(value))
    throw new OptionsError(path, `must be an object with the ${kind} name, got ${typeof value}`);
  const { name, ...rest } = value;
  if (typeof name !== 'string')
    throw new OptionsError(`${path}.name`, `is required: the ${kind} to use`);

  let plugin: AnyPlugin;
  try {
    plugin = registry.resolve(kind, name);
  } catch (error) {
    throw new OptionsError(`${path}.name`, (error as Error).message);
  }
  return { name, options: plugin.options.parse(rest, path) as Record<string, unknown> };
}

/**
 * Validates a whole config before any work starts: every section, and each
 * plugin section with that plugin's own schema. Errors name the key path.
 */
export function parseRunConfig(raw: Record<string, unknown>, registry: PluginRegistry): RunConfig {
  for (const key of Object.keys(raw)) {
    if (!sections.includes(key)) {
      throw new OptionsError(key, `unknown section (allowed: ${sections.join(', ')})`);
    }
  }
  const { objective, policy, reference, data, training, ...rest } = raw;
  const top = topLevel.parse(rest, '');

  if (!isRecord(data))
    throw new OptionsError('data', 'is required: an object with train (and eval)');
  for (const key of Object.keys(data)) {
    if (!['train', 'eval', 'evalFraction'].includes(key)) {
      throw new OptionsError(`data.${key}`, 'unknown option (allowed: train, eval, evalFraction)');
    }
  }
  const evalFraction = number({
    description: 'share of training pairs held out for evaluation when data.eval is absent',
    atLeast: 0,
    lessThan: 1,
    default: 0,
  }).parse(data.evalFraction, 'data.evalFraction');

  const parsedTraining = trainingOptions.parse(training, 'training');
  if (parsedTraining.steps !== undefined && parsedTraining.epochs !== undefined) {
    throw new OptionsError('training', 'give steps or epochs, not both');
  }

  return {
    ...top,
    objective: choosePlugin(registry, 'objective', objective, 'objective'),
    policy: choosePlugin(registry, 'policy', policy, 'policy'),
    data: {
      train: choosePlugin(registry, 'dataset', data.train, 'data.train'),
      ...(data.eval === undefined
        ? {}
        : { eval: choosePlugin(registry, 'dataset', data.eval, 'data.eval') }),
      evalFraction,
    },
    reference: referenceOptions.parse(reference, 'reference'),
    training: parsedTraining,
  };
}

/**
 * Applies `--set key.path=value` overrides to a raw config. The value is
 * read as YAML, so numbers, booleans and lists keep their types.
 */
export function applyOverride(
  raw: Record<string, unknown>,
  assignment: string,
  parseValue: (text: string) => unknown,
): void {
  const equals = assignment.indexOf('=');
  if (equals <= 0) throw new UserError(`--set ${assignment}: expected key.path=value`);
  const keys = assignment.slice(0, equals).split('.');
  let value: unknown;
  try {
    value = parseValue(assignment.slice(equals + 1));
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    throw new UserError(`--set ${assignment}: the value is not valid YAML (${reason})`);
  }

  let target: Record<string, unknown> = raw;
  for (const key of keys.slice(0, -1)) {
    const next = target[key];
    if (next === undefined) target[key] = {};
    else if (!isRecord(next)) {
      throw new UserError(`--set ${assignment}: ${key} is not a section`);
    }
    target = target[key] as Record<string, unknown>;
  }
  target[keys[keys.length - 1] as string] = value;
}
