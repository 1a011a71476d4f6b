// Types of the ESM entry: the declarations of the CommonJS build it re-exports.
import * as cjs from '../dist/express.js';

export * from '../dist/express.js';
export default cjs;
