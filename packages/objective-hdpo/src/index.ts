import type { ObjectivePlugin } from '@prefopt/core';
import { HdpoObjective, type HdpoOptions, hdpoOptions } from './hdpo.js';

export { HdpoObjective, type HdpoOptions, hdpoOptions };

/** The `hdpo` objective, as the runner finds it by name. */
const hdpo: ObjectivePlugin<HdpoOptions> = {
  kind: 'objective',
  name: 'hdpo',
  summary:
    'H-DPO: DPO with alpha scaling the policy log-probs to control entropy (alpha = 1 is DPO)',
  options: hdpoOptions,
  create: (options) => new HdpoObjective(options),
};

export default hdpo;
