// Types of the ESM entry: the declarations of the CommonJS build it re-exports.
import * as cjs from '../dist/fastify.js';

export * from '../dist/fastify.js';
export default cjs;
