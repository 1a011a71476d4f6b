// The addon built by `napi build` (loader and types generated into ../native/).
import * as native from '../native/index.js';

export = native;
