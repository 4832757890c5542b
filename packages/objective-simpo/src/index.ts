import type { ObjectivePlugin } from '@prefopt/core';
import { SimpoObjective, type SimpoOptions, simpoOptions } from './simpo.js';

export { SimpoObjective, type SimpoOptions, simpoOptions };

/** The `simpo` objective, as the runner finds it by name. */
const simpo: ObjectivePlugin<SimpoOptions> = {
  kind: 'objective',
  name: 'simpo',
  summary: 'SimPO: reference-free sigmoid loss on mean per-token log-probs with a target margin',
  options: simpoOptions,
  create: (options) => new SimpoObjective(options),
};

export default simpo;
