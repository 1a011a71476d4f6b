// ESM entry of `paysera-scanpay/express`: the same objects as the CommonJS build.
import cjs from '../dist/express.js';

export const { DEFAULT_CALLBACK_BODY_LIMIT, payseraCallback } = cjs;
export default cjs;
