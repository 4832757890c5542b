import { type AnyPlugin, PluginRegistry } from '@prefopt/core';
import { datasetPlugins } from '@prefopt/datasets';
import dpo from '@prefopt/objective-dpo';
import hdpo from '@prefopt/objective-hdpo';
import hinge from '@prefopt/objective-hinge';
import ipo from '@prefopt/objective-ipo';
import orpo from '@prefopt/objective-orpo';
import robust from '@prefopt/objective-robust';
import sft from '@prefopt/objective-sft';
import simpo from '@prefopt/objective-simpo';
import { policyPlugins } from '@prefopt/policies';
import { mixPlugin } from './mix.js';

/** The plugins every run has without naming them under `plugins:`. */
export const builtinPlugins: readonly AnyPlugin[] = [
  dpo,
  hdpo,
  ipo,
  hinge,
  robust,
  simpo,
  orpo,
  sft,
  ...policyPlugins,
  ...datasetPlugins,
];

/** A registry holding the built-in plugins; runs take children of it. */
export function createBuiltinRegistry(): PluginRegistry {
  const registry = PluginRegistry.create();
  for (const plugin of builtinPlugins) registry.register(plugin);
  return registry;
}

/**
 * A registry for one run: a child of the built-in one, holding the `mix`
 * objective, which finds its parts here (plugins a config loads included).
 */
export function createRunRegistry(): PluginRegistry {
  const run = createBuiltinRegistry().createChild();
  run.register(mixPlugin(run));
  return run;
}
