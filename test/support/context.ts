import { type PluginContext, silentLogger } from '@prefopt/core';

/** What the runner would hand a plugin, for tests that create plugins directly. */
export const testContext: PluginContext = {
  logger: silentLogger,
  seed: 1,
  baseDirectory: process.cwd(),
};
