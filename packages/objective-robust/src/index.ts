import type { ObjectivePlugin } from '@prefopt/core';
import { RobustDpoObjective, type RobustDpoOptions, robustDpoOptions } from './robust.js';

export { RobustDpoObjective, type RobustDpoOptions, robustDpoOptions };

/** The `robust` objective, as the runner finds it by name. */
const robust: ObjectivePlugin<RobustDpoOptions> = {
  kind: 'objective',
  name: 'robust',
  summary: 'robust DPO: DPO loss made unbiased under preference labels flipped at a known rate',
  options: robustDpoOptions,
  create: (options) => new RobustDpoObjective(options),
};

export default robust;
