import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from './errors.js';
import { type AnyPlugin, pluginProblem } from './plugin.js';

function isPathSpecifier(specifier: string): boolean {
  return specifier.startsWith('.') || isAbsolute(specifier);
}

/** The file a specifier names, looked up from `fromDirectory` like an import there. */
function locate(specifier: string, fromDirectory: string): string {
  if (isPathSpecifier(specifier)) {
    const file = resolve(fromDirectory, specifier);
    if (!existsSync(file)) {
      throw new UserError(`plugin module '${specifier}' not found (looked for ${file})`);
    }
    return file;
  }

  // A package installed beside the config wins; otherwise one installed
  // with prefopt itself, such as a plugin added to the workspace.
  for (const base of [join(fromDirectory, 'noop.js'), import.meta.url]) {
    try {
      return createRequire(base).resolve(specifier);
    } catch {
      // Not installed there; try the next place.
    }
  }
  throw new UserError(
    `plugin package '${specifier}' is not installed ` +
      `(looked from ${fromDirectory} and from prefopt)`,
  );
}

/**
 * Loads the plugins a module exports by default: one plugin or a list of
 * them. `specifier` is a package name or a path relative to `fromDirectory`
 * (usually the directory of the config file that names it).
 */
export async function loadPluginModule(
  specifier: string,
  fromDirectory: string,
): Promise<AnyPlugin[]> {
  const file = locate(specifier, fromDirectory);

  let module: { default?: unknown };
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UserError(`plugin module '${specifier}' failed to load: ${reason}`);
  }

  const exported = module.default;
  const candidates = Array.isArray(exported) ? exported : [exported];
  if (exported === undefined || candidates.length === 0) {
    throw new UserError(`plugin module '${specifier}' has no default export of a prefopt plugin`);
  }
  for (const candidate of candidates) {
    const problem = pluginProblem(candidate);
    if (problem !== undefined) {
      throw new UserError(`plugin module '${specifier}' exports no valid plugin: ${problem}`);
    }
  }
  return candidates as AnyPlugin[];
}
