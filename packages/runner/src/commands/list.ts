import { type PluginKind, type PluginRegistry, pluginKinds, type Schema } from '@prefopt/core';

const headings: Record<PluginKind, string> = {
  objective: 'Objectives',
  policy: 'Policies',
  dataset: 'Datasets',
};

interface OptionDescription {
  readonly name: string;
  readonly constraint: string;
  readonly default?: unknown;
  readonly description: string;
}

function describeOptions(fields: Record<string, Schema<unknown>>): OptionDescription[] {
  return Object.entries(fields).map(([name, schema]) => ({
    name,
    constraint: schema.constraint,
    ...(schema.defaultValue === undefined ? {} : { default: schema.defaultValue }),
    description: schema.description,
  }));
}

/** Every plugin with its options, as data (for `--json`). */
export function listPlugins(registry: PluginRegistry) {
  return pluginKinds.flatMap((kind) =>
    registry.entries(kind).map(({ plugin, source }) => ({
      kind,
      name: plugin.name,
      summary: plugin.summary,
      source,
      options: describeOptions(plugin.options.fields),
    })),
  );
}

/** The listing a person reads: plugins by kind, each option with its range and default. */
export function formatPluginList(registry: PluginRegistry): string {
  const plugins = listPlugins(registry);
  const lines: string[] = [];

  for (const kind of pluginKinds) {
    const ofKind = plugins.filter((plugin) => plugin.kind === kind);
    lines.push(`${headings[kind]}:${ofKind.length === 0 ? ' none registered yet' : ''}`);

    for (const plugin of ofKind) {
      const origin = plugin.source === 'built-in' ? '' : `  [from ${plugin.source}]`;
      lines.push(`  ${plugin.name}: ${plugin.summary}${origin}`);
      const width = Math.max(0, ...plugin.options.map((option) => option.name.length));
      for (const option of plugin.options) {
        const fallback = 'default' in option ? `, default ${JSON.stringify(option.default)}` : '';
        lines.push(`    ${option.name.padEnd(width)}  ${option.constraint}${fallback}`);
        lines.push(`    ${' '.repeat(width)}  ${option.description}`);
      }
    }
    lines.push('');
  }
  return lines.join('\n');
}
