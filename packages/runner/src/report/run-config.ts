import { formatValue } from './format.js';

type Fields = Readonly<Record<string, unknown>>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function formatOption(value: unknown): string {
  if (typeof value === 'number') return formatValue(value);
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * A plugin section's name and options. Takes `"dpo"`, `{ name: "dpo", beta: 0.1 }`
 * and `{ name: "dpo", options: { beta: 0.1 } }` alike, since the resolved
 * config's layout is the trainer's to choose.
 */
function pluginSection(value: unknown): { name: string; options: Fields } | undefined {
  if (typeof value === 'string') return { name: value, options: {} };
  if (!isFields(value) || typeof value.name !== 'string') return undefined;

  const { name, options, ...rest } = value;
  return { name, options: isFields(options) ? options : rest };
}

/** The step budget, at the top level or in a `train`, `training` or `trainer` section. */
function stepBudget(config: Fields): unknown {
  if (config.steps !== undefined) return config.steps;
  for (const section of ['train', 'training', 'trainer']) {
    const fields = config[section];
    if (isFields(fields) && fields.steps !== undefined) return fields.steps;
  }
  return undefined;
}

/**
 * One line on what a run was: its objective with options, policy, dataset,
 * seed and step budget, each where config.json has it, such as
 * "objective hdpo (alpha 0.9, beta 0.1), policy transformer, dataset
 * arithmetic, seed 7, 200 steps". Undefined when it has none of them.
 */
export function describeRunConfig(config: Fields): string | undefined {
  const parts: string[] = [];

  const objective = pluginSection(config.objective);
  if (objective !== undefined) {
    const options = Object.entries(objective.options).map(
      ([key, value]) => `${key} ${formatOption(value)}`,
    );
    const detail = options.length === 0 ? '' : ` (${options.join(', ')})`;
    parts.push(`objective ${objective.name}${detail}`);
  }
  for (const kind of ['policy', 'dataset']) {
    const section = pluginSection(config[kind]);
    if (section !== undefined) parts.push(`${kind} ${section.name}`);
  }
  if (config.seed !== undefined) parts.push(`seed ${formatOption(config.seed)}`);
  const steps = stepBudget(config);
  if (steps !== undefined) parts.push(`${formatOption(steps)} steps`);

  return parts.length === 0 ? undefined : parts.join(', ');
}
