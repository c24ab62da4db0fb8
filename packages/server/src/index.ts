export type { Config } from './config.js';
export { ConfigError, loadConfig, SETTINGS } from './config.js';
export { parseSize } from './config-parse.js';
export {
  decodeRows,
  type ImportType,
  type JobProcessor,
  ProcessorError,
  processors,
} from './processors/index.js';
export { serve } from './serve.js';
export type { RunningServer } from './server.js';
export { startServer } from './server.js';
