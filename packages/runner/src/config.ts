import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { listOf, loadPluginModule, type PluginRegistry, string, UserError } from '@prefopt/core';
import { parseDocument } from 'yaml';

/** A config file read from disk: its sections, and where it lives. */
export interface ConfigFile {
  readonly path: string;
  readonly sections: Record<string, unknown>;
}

const pluginsSchema = listOf(
  string({ description: 'a package name, or a path relative to the config file' }),
  { description: 'extra plugin modules to load', default: [] },
);

/** Reads a YAML or JSON config (JSON is YAML too), naming the file and line of any syntax error. */
export async function readConfigFile(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UserError(`${path}: cannot read the config file (${reason})`);
  }

  const document = parseDocument(text);
  const [first] = document.errors;
  if (first !== undefined) {
    const position = first.linePos?.[0];
    const where = position === undefined ? path : `${path}:${position.line}:${position.col}`;
    const reason = (first.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new UserError(`${where}: ${reason}`);
  }

  const sections: unknown = document.toJS();
  if (sections === null || sections === undefined) return { path, sections: {} };
  if (typeof sections !== 'object' || Array.isArray(sections)) {
    throw new UserError(`${path}: the config must be a mapping of sections (seed, plugins, ...)`);
  }
  return { path, sections: sections as Record<string, unknown> };
}

/**
 * Loads the modules a config names under `plugins:` into a run's registry.
 * Paths are relative to the config file.
 */
export async function registerConfigPlugins(
  config: ConfigFile,
  registry: PluginRegistry,
): Promise<void> {
  let specifiers: string[];
  try {
    specifiers = pluginsSchema.parse(config.sections.plugins, 'plugins');
  } catch (error) {
    throw new UserError(`${config.path}: ${(error as Error).message}`);
  }
  await registerPlugins(specifiers, dirname(resolve(config.path)), registry);
}

/** Loads plugin modules, given as package names or paths relative to `directory`. */
export async function registerPlugins(
  specifiers: readonly string[],
  directory: string,
  registry: PluginRegistry,
): Promise<void> {
  for (const specifier of specifiers) {
    for (const plugin of await loadPluginModule(specifier, directory)) {
      registry.register(plugin, specifier);
    }
  }
}
