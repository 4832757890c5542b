import type { ObjectivePlugin } from '@prefopt/core';
import { SftObjective, type SftOptions, sftOptions } from './sft.js';

export { SftObjective, type SftOptions, sftOptions };

/** The `sft` objective, as the runner finds it by name. */
const sft: ObjectivePlugin<SftOptions> = {
  kind: 'objective',
  name: 'sft',
  summary: 'supervised fine-tuning: negative log-likelihood per token of the chosen completion',
  options: sftOptions,
  create: (options) => new SftObjective(options),
};

export default sft;
