import { type AnyPlugin, PluginRegistry } from '@prefopt/core';
import dpo from '@prefopt/objective-dpo';
import hdpo from '@prefopt/objective-hdpo';

/** The plugins every run has without naming them under `plugins:`. */
export const builtinPlugins: readonly AnyPlugin[] = [dpo, hdpo];

/** A registry holding the built-in plugins; runs take children of it. */
export function createBuiltinRegistry(): PluginRegistry {
  const registry = PluginRegistry.create();
  for (const plugin of builtinPlugins) registry.register(plugin);
  return registry;
}
