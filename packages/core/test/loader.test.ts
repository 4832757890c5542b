import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPluginModule, UserError } from '../src/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

async function failure(specifier: string): Promise<string> {
  const error = await loadPluginModule(specifier, fixtures).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UserError);
  return (error as Error).message;
}

describe('loadPluginModule', () => {
  it('loads the default export of a file given relative to a directory', async () => {
    const plugins = await loadPluginModule('./example-objective.mjs', fixtures);
    expect(plugins.map((p) => [p.kind, p.name])).toEqual([['objective', 'example']]);
  });

  it('loads every plugin of a default-exported list', async () => {
    const plugins = await loadPluginModule('./two-plugins.mjs', fixtures);
    expect(plugins.map((p) => p.name)).toEqual(['first', 'second']);
  });

  it('loads an installed package by name', async () => {
    const plugins = await loadPluginModule('@prefopt/objective-hdpo', fixtures);
    expect(plugins.map((p) => [p.kind, p.name])).toEqual([['objective', 'hdpo']]);
  });

  it('names the file it looked for when a path does not exist', async () => {
    expect(await failure('./missing.mjs')).toBe(
      `plugin module './missing.mjs' not found (looked for ${fixtures}missing.mjs)`,
    );
  });

  it('says a package is not installed', async () => {
    expect(await failure('prefopt-objective-nowhere')).toMatch(
      /^plugin package 'prefopt-objective-nowhere' is not installed/,
    );
  });

  it('rejects a module without a default export', async () => {
    expect(await failure('./no-default.mjs')).toBe(
      "plugin module './no-default.mjs' has no default export of a prefopt plugin",
    );
  });

  it('says what is missing from an object that is not a plugin', async () => {
    expect(await failure('./not-a-plugin.mjs')).toBe(
      "plugin module './not-a-plugin.mjs' exports no valid plugin: plugin 'half' has no " +
        'options schema (use object() from @prefopt/core)',
    );
  });

  it('reports a module that throws while loading', async () => {
    expect(await failure('./throws.mjs')).toBe(
      "plugin module './throws.mjs' failed to load: boom while importing",
    );
  });
});
