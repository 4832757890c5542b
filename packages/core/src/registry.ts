import { type DependencyContainer, container as rootContainer } from 'tsyringe';
import { UnknownPluginError, UserError } from './errors.js';
import type { AnyPlugin, PluginKind } from './plugin.js';

/** A registered plugin and where it came from: "built-in", a package or a file. */
export interface PluginEntry<Kind extends PluginKind = PluginKind> {
  readonly plugin: AnyPlugin<Kind>;
  readonly source: string;
}

function pluginToken(kind: PluginKind, name: string): string {
  return `prefopt:${kind}:${name}`;
}

/**
 * The plugins a run can use, kept in a tsyringe container under one token
 * per kind and name. `createChild()` gives a run its own scope: plugins and
 * services registered there are invisible to the parent and to other runs,
 * while the parent's plugins stay visible in the child.
 */
export class PluginRegistry {
  private readonly own = new Map<PluginKind, Map<string, PluginEntry>>();

  private constructor(
    readonly container: DependencyContainer,
    private readonly parent: PluginRegistry | undefined,
  ) {}

  /** A registry over a fresh child of tsyringe's global container. */
  static create(): PluginRegistry {
    return new PluginRegistry(rootContainer.createChildContainer(), undefined);
  }

  createChild(): PluginRegistry {
    return new PluginRegistry(this.container.createChildContainer(), this);
  }

  /** Adds a plugin. A second plugin of the same kind and name is an error. */
  register(plugin: AnyPlugin, source = 'built-in'): void {
    const existing = this.find(plugin.kind, plugin.name);
    if (existing !== undefined) {
      throw new UserError(
        `${plugin.kind} '${plugin.name}' from ${source} is already registered ` +
          `(from ${existing.source}); plugin names must be unique`,
      );
    }

    let byName = this.own.get(plugin.kind);
    if (byName === undefined) {
      byName = new Map();
      this.own.set(plugin.kind, byName);
    }
    byName.set(plugin.name, { plugin, source });
    this.container.register(pluginToken(plugin.kind, plugin.name), { useValue: plugin });
  }

  /** The plugin of this kind and name, or an error listing the names that exist. */
  resolve<Kind extends PluginKind>(kind: Kind, name: string): AnyPlugin<Kind> {
    if (this.find(kind, name) === undefined) {
      throw new UnknownPluginError(
        kind,
        name,
        this.list(kind).map((plugin) => plugin.name),
      );
    }
    return this.container.resolve<AnyPlugin<Kind>>(pluginToken(kind, name));
  }

  /** Every plugin of a kind visible here, sorted by name. */
  list<Kind extends PluginKind>(kind: Kind): AnyPlugin<Kind>[] {
    return this.entries(kind).map((entry) => entry.plugin);
  }

  /** Like `list`, with where each plugin came from. */
  entries<Kind extends PluginKind>(kind: Kind): PluginEntry<Kind>[] {
    const inherited = this.parent?.entries(kind) ?? [];
    const own = [...(this.own.get(kind)?.values() ?? [])] as PluginEntry<Kind>[];
    return [...inherited, ...own].sort((a, b) => a.plugin.name.localeCompare(b.plugin.name));
  }

  private find(kind: PluginKind, name: string): PluginEntry | undefined {
    return this.own.get(kind)?.get(name) ?? this.parent?.find(kind, name);
  }
}
