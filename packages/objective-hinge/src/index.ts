import type { ObjectivePlugin } from '@prefopt/core';
import { HingeObjective, type HingeOptions, hingeOptions } from './hinge.js';

export { HingeObjective, type HingeOptions, hingeOptions };

/** The `hinge` objective, as the runner finds it by name. */
const hinge: ObjectivePlugin<HingeOptions> = {
  kind: 'objective',
  name: 'hinge',
  summary: 'SLiC / RSO hinge loss: max(0, 1 - beta * margin) on the policy-over-reference margin',
  options: hingeOptions,
  create: (options) => new HingeObjective(options),
};

export default hinge;
