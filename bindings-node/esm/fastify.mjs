// ESM entry of `paysera-scanpay/fastify`: the same objects as the CommonJS build.
import cjs from '../dist/fastify.js';

export const { DEFAULT_CALLBACK_BODY_LIMIT, payseraCallbackPlugin } = cjs;
export default cjs;
