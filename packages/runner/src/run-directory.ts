import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { OptionsError, type PluginRegistry, UserError } from '@prefopt/core';
import { createRunRegistry } from './builtins.js';
import { registerPlugins } from './config.js';
import { writeFileAtomic } from './files.js';
import { parseRunConfig, type RunConfig } from './run-config.js';

/** The run-level facts kept beside config.json, so a run can be reopened from anywhere. */
export interface RunFile {
  /** Where the config's relative paths point from: the original config file's directory. */
  readonly baseDirectory: string;
}

/** A validated config with the registry that holds its plugins. */
export interface ValidatedConfig {
  readonly config: RunConfig;
  readonly registry: PluginRegistry;
}

/** A run, reopened from its directory. */
export interface OpenedRun extends ValidatedConfig {
  readonly baseDirectory: string;
  readonly runDirectory: string;
}

/**
 * Loads a config's plugins into a fresh run registry and validates the
 * whole config; errors name `source` and the key path.
 */
export async function validateConfig(
  raw: Record<string, unknown>,
  source: string,
  baseDirectory: string,
): Promise<ValidatedConfig> {
  const registry = createRunRegistry();
  try {
    const plugins = Array.isArray(raw.plugins) ? (raw.plugins as unknown[]) : [];
    if (plugins.every((p) => typeof p === 'string')) {
      await registerPlugins(plugins as string[], baseDirectory, registry);
    }
    return { config: parseRunConfig(raw, registry), registry };
  } catch (error) {
    if (error instanceof OptionsError) throw new UserError(`${source}: ${error.message}`);
    throw error;
  }
}

async function readJson<T>(path: string, what: string): Promise<T> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    throw new UserError(`${path}: cannot read the ${what}; is this a prefopt run directory?`);
  }
}

/** Reopens a run directory: its saved config, validated again, and its base directory. */
export async function openRun(directory: string): Promise<OpenedRun> {
  const runDirectory = resolve(directory);
  const saved = await readJson<Record<string, unknown>>(
    join(runDirectory, 'config.json'),
    'run config',
  );
  const { baseDirectory } = await readJson<RunFile>(join(runDirectory, 'run.json'), 'run file');
  const run = await validateConfig(saved, join(runDirectory, 'config.json'), baseDirectory);
  return { ...run, baseDirectory, runDirectory };
}

export async function writeRunFile(runDirectory: string, file: RunFile): Promise<void> {
  await writeFileAtomic(join(runDirectory, 'run.json'), `${JSON.stringify(file, null, 2)}\n`);
}
