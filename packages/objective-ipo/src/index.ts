import type { ObjectivePlugin } from '@prefopt/core';
import { IpoObjective, type IpoOptions, ipoOptions } from './ipo.js';

export { IpoObjective, type IpoOptions, ipoOptions };

/** The `ipo` objective, as the runner finds it by name. */
const ipo: ObjectivePlugin<IpoOptions> = {
  kind: 'objective',
  name: 'ipo',
  summary: 'Identity Preference Optimization: squared loss pulling the margin to 1 / (2 beta)',
  options: ipoOptions,
  create: (options) => new IpoObjective(options),
};

export default ipo;
