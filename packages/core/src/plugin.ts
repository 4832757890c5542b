import type { PreferenceDataset, Tokenizer } from './data.js';
import type { Logger } from './logger.js';
import type { Objective } from './objective.js';
import type { Policy } from './policy.js';
import type { Fields, Schema } from './schema.js';

/** What each kind of plugin creates. */
export interface PluginProducts {
  objective: Objective;
  policy: Policy;
  dataset: PreferenceDataset;
}

export type PluginKind = keyof PluginProducts;

export const pluginKinds: readonly PluginKind[] = ['objective', 'policy', 'dataset'];

/** What the runner hands every plugin when it creates the product. */
export interface PluginContext {
  readonly logger: Logger;
  /** The run's seed; a plugin derives its own random streams from it. */
  readonly seed: number;
  /** Where relative paths in the plugin's options are resolved from. */
  readonly baseDirectory: string;
}

/** A policy also learns the tokenizer of the data it will train on. */
export interface PolicyContext extends PluginContext {
  /** Its vocabulary size and special tokens fix the policy's input and output. */
  readonly tokenizer: Tokenizer;
  /** The training data, for a policy that starts from what its task knows. */
  readonly dataset?: PreferenceDataset;
}

/** The context each kind of plugin is created with. */
export interface PluginContexts {
  objective: PluginContext;
  policy: PolicyContext;
  dataset: PluginContext;
}

/**
 * Something the runner composes, found by name: an objective, a policy or
 * a dataset. A plugin is a plain object; a plugin package's default export
 * is its plugin (or a list of them).
 */
export interface Plugin<Kind extends PluginKind, Options extends object> {
  readonly kind: Kind;
  /** The name a config uses, such as "dpo". */
  readonly name: string;
  /** One line, shown by `prefopt list`. */
  readonly summary: string;
  /** Validates the plugin's config section and fills in defaults. */
  readonly options: Schema<Options> & { readonly fields: Fields };
  /** Makes the product; may be async, for products loaded from files. */
  create(
    options: Options,
    context: PluginContexts[Kind],
  ): PluginProducts[Kind] | Promise<PluginProducts[Kind]>;
}

// Options are checked by each plugin's own schema at run time, so a
// registry holds plugins of any options type.
// biome-ignore lint/suspicious/noExplicitAny: see above.
export type AnyPlugin<Kind extends PluginKind = PluginKind> = Plugin<Kind, any>;

export type ObjectivePlugin<Options extends object> = Plugin<'objective', Options>;
export type PolicyPlugin<Options extends object> = Plugin<'policy', Options>;
export type DatasetPlugin<Options extends object> = Plugin<'dataset', Options>;

/** Why `value` is not a plugin, or undefined when it is one. */
export function pluginProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'it is not an object';
  const candidate = value as Record<string, unknown>;
  if (!pluginKinds.includes(candidate.kind as PluginKind)) {
    return `its kind must be one of ${pluginKinds.join(', ')}`;
  }
  if (typeof candidate.name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(candidate.name)) {
    return 'its name must be lower-case letters, digits and dashes, starting with a letter';
  }
  if (typeof candidate.summary !== 'string') return `plugin '${candidate.name}' has no summary`;
  const options = candidate.options as Record<string, unknown> | undefined;
  if (typeof options?.parse !== 'function' || typeof options.fields !== 'object') {
    return `plugin '${candidate.name}' has no options schema (use object() from @prefopt/core)`;
  }
  if (typeof candidate.create !== 'function') return `plugin '${candidate.name}' has no create()`;
  return undefined;
}
