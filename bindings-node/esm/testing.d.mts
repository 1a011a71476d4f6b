// Types of the ESM entry: the declarations of the CommonJS build it re-exports.
import * as cjs from '../dist/testing.js';

export * from '../dist/testing.js';
export default cjs;
