import type { ObjectivePlugin } from '@prefopt/core';
import { DpoObjective, type DpoOptions, dpoOptions } from './dpo.js';

export { DpoObjective, type DpoOptions, dpoOptions };

/** The `dpo` objective, as the runner finds it by name. */
const dpo: ObjectivePlugin<DpoOptions> = {
  kind: 'objective',
  name: 'dpo',
  summary: 'Direct Preference Optimization: sigmoid loss on the policy-over-reference margin',
  options: dpoOptions,
  create: (options) => new DpoObjective(options),
};

export default dpo;
