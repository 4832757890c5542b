import { datasetPlugins } from './plugins.js';

export { type ArithmeticOptions, ArithmeticTask, arithmeticOptions } from './arithmetic.js';
export { type BanditOptions, BanditTask, banditOptions } from './bandit.js';
export { BanditTokenizer } from './bandit-tokenizer.js';
export { ByteTokenizer } from './bytes.js';
export { type PreferenceFileOptions, readPreferenceFile } from './jsonl.js';
export { optimalDistribution } from './optimum.js';
export {
  arithmetic,
  bandit,
  datasetPlugins,
  type JsonlOptions,
  jsonl,
  jsonlOptions,
} from './plugins.js';
export { renderCompletion, renderPrompt } from './template.js';

export default datasetPlugins;
