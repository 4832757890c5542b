import type { ObjectivePlugin } from '@prefopt/core';
import { OrpoObjective, type OrpoOptions, orpoOptions } from './orpo.js';

export { OrpoObjective, type OrpoOptions, orpoOptions };

/** The `orpo` objective, as the runner finds it by name. */
const orpo: ObjectivePlugin<OrpoOptions> = {
  kind: 'objective',
  name: 'orpo',
  summary: 'ORPO: reference-free likelihood of the chosen completion plus a log odds-ratio term',
  options: orpoOptions,
  create: (options) => new OrpoObjective(options),
};

export default orpo;
