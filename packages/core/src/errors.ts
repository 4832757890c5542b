/**
 * A mistake in what the user gave prefopt: a config value, a data line, a
 * plugin name. The command line prints its message as one line and exits
 * with code 2; any other error is a bug in prefopt or in a plugin.
 */
export class UserError extends Error {
  override name = 'UserError';
}

/** An option failed its plugin's schema. `path` is the dotted key path. */
export class OptionsError extends UserError {
  override name = 'OptionsError';

  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(path === '' ? problem : `${path}: ${problem}`);
  }
}

/** A plugin was asked for by a name that no registered plugin has. */
export class UnknownPluginError extends UserError {
  override name = 'UnknownPluginError';

  constructor(
    readonly kind: string,
    readonly requested: string,
    readonly known: readonly string[],
  ) {
    const choices = known.length === 0 ? 'none are registered' : `known: ${known.join(', ')}`;
    super(`unknown ${kind} '${requested}' (${choices})`);
  }
}
