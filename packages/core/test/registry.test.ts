import { describe, expect, it } from 'vitest';
import {
  type AnyPlugin,
  number,
  type Objective,
  object,
  type PluginKind,
  PluginRegistry,
  UnknownPluginError,
} from '../src/index.js';

function objectivePlugin(name: string, kind: PluginKind = 'objective'): AnyPlugin {
  return {
    kind,
    name,
    summary: `the ${name} objective`,
    options: object({ beta: number({ description: 'b', greaterThan: 0, default: 1 }) }),
    create: (): Objective => {
      throw new Error('not created in these tests');
    },
  };
}

describe('PluginRegistry', () => {
  it('resolves a registered plugin by kind and name', () => {
    const registry = PluginRegistry.create();
    const dpo = objectivePlugin('dpo');
    registry.register(dpo);

    expect(registry.resolve('objective', 'dpo')).toBe(dpo);
  });

  it('lists the plugins of one kind, sorted by name', () => {
    const registry = PluginRegistry.create();
    registry.register(objectivePlugin('ipo'));
    registry.register(objectivePlugin('dpo'));
    registry.register(objectivePlugin('tabular', 'policy'));

    expect(registry.list('objective').map((p) => p.name)).toEqual(['dpo', 'ipo']);
    expect(registry.list('policy').map((p) => p.name)).toEqual(['tabular']);
    expect(registry.list('dataset')).toEqual([]);
  });

  it('fails on an unknown name with one line listing the names that exist', () => {
    const registry = PluginRegistry.create();
    registry.register(objectivePlugin('hdpo'));
    registry.register(objectivePlugin('dpo'));

    expect(() => registry.resolve('objective', 'dop')).toThrow(UnknownPluginError);
    expect(() => registry.resolve('objective', 'dop')).toThrow(
      "unknown objective 'dop' (known: dpo, hdpo)",
    );
    expect(() => registry.resolve('policy', 'dpo')).toThrow(
      "unknown policy 'dpo' (none are registered)",
    );
  });

  it('refuses a second plugin with the same kind and name', () => {
    const registry = PluginRegistry.create();
    registry.register(objectivePlugin('dpo'));

    expect(() => registry.register(objectivePlugin('dpo'), './mine.js')).toThrow(
      "objective 'dpo' from ./mine.js is already registered (from built-in)",
    );
    // The same name under another kind is a different plugin.
    expect(() => registry.register(objectivePlugin('dpo', 'policy'))).not.toThrow();
  });

  it('remembers where each plugin came from', () => {
    const registry = PluginRegistry.create();
    registry.register(objectivePlugin('dpo'));
    const run = registry.createChild();
    run.register(objectivePlugin('custom'), './custom.mjs');

    expect(run.entries('objective').map((e) => [e.plugin.name, e.source])).toEqual([
      ['custom', './custom.mjs'],
      ['dpo', 'built-in'],
    ]);
  });

  it('gives each run a child that sees the parent but is not seen by it or by siblings', () => {
    const parent = PluginRegistry.create();
    parent.register(objectivePlugin('dpo'));
    const first = parent.createChild();
    const second = parent.createChild();
    first.register(objectivePlugin('custom'));

    expect(first.list('objective').map((p) => p.name)).toEqual(['custom', 'dpo']);
    expect(first.resolve('objective', 'dpo').name).toBe('dpo');
    expect(parent.list('objective').map((p) => p.name)).toEqual(['dpo']);
    expect(() => second.resolve('objective', 'custom')).toThrow(UnknownPluginError);
    expect(() => first.register(objectivePlugin('dpo'))).toThrow('already registered');
  });

  it('keeps services registered in a run container out of its parent', () => {
    const parent = PluginRegistry.create();
    const run = parent.createChild();
    run.container.register('run-seed', { useValue: 7 });

    expect(run.container.resolve('run-seed')).toBe(7);
    expect(parent.container.isRegistered('run-seed', true)).toBe(false);
  });
});
