export { LayersModelPolicy, loadLayersModelFile } from './layers-model.js';
export {
  type LayersModelOptions,
  layersModel,
  layersModelOptions,
  policyPlugins,
  tabular,
  transformer,
} from './plugins.js';
export { ReferenceCache, type ReferenceCacheOptions, type ReferenceLogProbs } from './reference.js';
export { type CausalModel, pickToken, sampleCompletions } from './sampling.js';
export { type TabularOptions, TabularPolicy, tabularOptions } from './tabular.js';
export { type TransformerOptions, TransformerPolicy, transformerOptions } from './transformer.js';
