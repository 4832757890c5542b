export { builtinPlugins, createBuiltinRegistry, createRunRegistry } from './builtins.js';
export { formatPluginList, listPlugins } from './commands/list.js';
export { type TrainArguments, type TrainEnvironment, train } from './commands/train.js';
export { type ConfigFile, readConfigFile, registerConfigPlugins } from './config.js';
export { main, type Terminal, usage } from './main.js';
export { type MixPart, mixPlugin } from './mix.js';
