// ESM entry of `paysera-scanpay/testing`: the same objects as the CommonJS build.
import cjs from '../dist/testing.js';

export const { DEFAULT_PORT, Sandbox } = cjs;
export default cjs;
