export { type CausalModel, pickToken, sampleCompletions } from './sampling.js';
export { type TransformerOptions, TransformerPolicy, transformerOptions } from './transformer.js';
