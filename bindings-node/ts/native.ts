// The addon: napi's generated loader (../native/index.js) finds `paysera-scanpay.<platform>.node`
// beside it in a source build, or the prebuilt platform package (`paysera-scanpay-<platform>`,
// an optionalDependency) in an installed one. When neither loads, say which package was looked
// for and how to build from source, instead of napi's generic message.
import type * as Native from '../native/index.js';

/** The platform package's suffix napi-rs uses, e.g. `linux-x64-gnu` or `win32-x64-msvc`. */
function platformSuffix(): string {
  const { platform, arch } = process;
  if (platform === 'linux') {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    return `linux-${arch}-${report?.header?.glibcVersionRuntime ? 'gnu' : 'musl'}`;
  }
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

function load(): typeof Native {
  try {
    return require('../native/index.js') as typeof Native;
  } catch (cause) {
    const wanted = `paysera-scanpay-${platformSuffix()}`;
    throw new Error(
      `paysera-scanpay: could not load its native addon for ${process.platform}-${process.arch}. ` +
        `It ships in the optional dependency \`${wanted}\`, which is not installed or did not load. ` +
        `If npm skipped it, remove node_modules and package-lock.json and install again ` +
        `(optional dependencies are recorded for the platform that wrote the lock file). ` +
        `If no prebuilt package exists for this platform, build from source with Rust >= 1.88: ` +
        `clone the repository, then \`npm install && npm run build:release\`. ` +
        `See docs/troubleshooting.md. Cause: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

const native: typeof Native = load();

// The addon's types under the same name as its value, for `native.Client` in type positions.
declare namespace native {
  export type CancelToken = Native.CancelToken;
  export type Cashier = Native.Cashier;
  export type Client = Native.Client;
  export type LogSink = Native.LogSink;
  export type MacSigner = Native.MacSigner;
  export type Pager = Native.Pager;
  export type Sandbox = Native.Sandbox;
  export type SpotQueryOptions = Native.SpotQueryOptions;
  export type TransactionQueryOptions = Native.TransactionQueryOptions;
}

export = native;
