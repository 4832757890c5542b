import {
  type AnyPlugin,
  number,
  type ObjectivePlugin,
  OptionsError,
  object,
  type PluginRegistry,
  type Schema,
  WeightedObjective,
} from '@prefopt/core';

/** One part of a mix: an objective's name, its weight and its own options, flat. */
export type MixPart = { readonly name: string; readonly weight: number } & Readonly<
  Record<string, unknown>
>;

const weight = number({ description: 'weight of this part', greaterThan: 0, default: 1 });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Each part checked by its own objective's schema, found in `registry`. */
function partsSchema(registry: PluginRegistry): Schema<MixPart[]> {
  return {
    description: 'the objectives to add, each {name, weight, ...its options}',
    constraint: 'a non-empty list of objective sections',
    defaultValue: undefined,
    parse(value, path) {
      if (!Array.isArray(value) || value.length === 0) {
        throw new OptionsError(path, 'must be a non-empty list of {name, weight, ...options}');
      }
      return value.map((entry: unknown, i) => {
        const at = `${path}[${i}]`;
        if (!isRecord(entry)) throw new OptionsError(at, 'must be {name, weight, ...options}');
        const { name, weight: given, ...rest } = entry;
        if (typeof name !== 'string')
          throw new OptionsError(`${at}.name`, 'is required: an objective');
        if (name === 'mix') throw new OptionsError(`${at}.name`, 'a mix cannot hold another mix');
        let plugin: AnyPlugin<'objective'>;
        try {
          plugin = registry.resolve('objective', name);
        } catch (error) {
          throw new OptionsError(`${at}.name`, (error as Error).message);
        }
        const options = plugin.options.parse(rest, at) as Record<string, unknown>;
        return { ...options, name, weight: weight.parse(given, `${at}.weight`) };
      });
    },
  };
}

/**
 * The `mix` objective: a weighted sum of other objectives, named in config,
 * such as DPO plus a likelihood term on the chosen completion:
 *
 *   objective:
 *     name: mix
 *     parts:
 *       - { name: dpo, beta: 0.1 }
 *       - { name: sft, weight: 0.2 }
 *
 * Its parts are found in the run's registry, so plugins loaded by the
 * config can be parts too. `name` and `weight` belong to the mix, so a
 * part's own options cannot use those two names.
 */
export function mixPlugin(registry: PluginRegistry): ObjectivePlugin<{ parts: MixPart[] }> {
  return {
    kind: 'objective',
    name: 'mix',
    summary: 'a weighted sum of objectives: parts, each {name, weight, ...its options}',
    options: object({ parts: partsSchema(registry) }),
    async create(options, context) {
      const parts = await Promise.all(
        options.parts.map(async ({ name, weight: partWeight, ...partOptions }) => ({
          weight: partWeight,
          objective: await registry.resolve('objective', name).create(partOptions, context),
        })),
      );
      return new WeightedObjective(parts);
    },
  };
}
