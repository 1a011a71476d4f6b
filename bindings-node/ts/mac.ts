import { inspect } from 'node:util';

import { fromNative, sync } from './errors';
import native = require('./native');

/** Extra ext parameters, signed in the order given: pairs, or an object's own entries. */
export type ExtParams = ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string>>;

export interface SignRequest {
  /** `GET`, `POST`, ... */
  method: string;
  /** The absolute URL exactly as it will be sent (it is signed byte for byte). */
  url: string;
  /** The exact body bytes that will be sent; a string is sent as UTF-8. */
  body?: string | Uint8Array | null;
  /** Unix seconds; defaults to now. */
  ts?: number;
  /** Defaults to 32 random alphanumerics. */
  nonce?: string;
  ext?: ExtParams;
}

/** A signature and what went into it (for debugging a signature mismatch). */
export interface Signature {
  ts: number;
  nonce: string;
  /** The seven newline-terminated lines that were HMAC'd. */
  normalized: string;
  /** `body_hash=...&...`, empty when there is none. */
  ext: string;
  mac: string;
  /** The full `Authorization` header value. */
  authorization: string;
}

function ext(params: ExtParams | undefined): string[][] | undefined {
  if (params == null) return undefined;
  const entries = Array.isArray(params) ? params : Object.entries(params);
  return entries.map(([k, v]) => [String(k), String(v)]);
}

function body(b: string | Uint8Array | null | undefined): string | Buffer | undefined {
  if (b == null || typeof b === 'string' || Buffer.isBuffer(b)) return b ?? undefined;
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Paysera's MAC access authentication, computed by the Rust core.
 *
 * ```ts
 * const signer = new MacSigner('wkVd93h2uS', 'IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU');
 * const header = signer.authorization({ method: 'GET', url: 'https://wallet.paysera.com/rest/v1/spots?status=waiting' });
 * ```
 *
 * The MAC key stays in native memory: it is not a property, and `util.inspect` shows only the
 * client id.
 */
// The native fast path of `authorization` (see bindings-node/src/mac.rs), made once.
const fastAuthorization = native.fastAuthorization();

export class MacSigner {
  readonly #native: native.MacSigner;
  readonly #handle: unknown;

  constructor(clientId: string, macKey: string) {
    this.#native = sync(() => new native.MacSigner(clientId, macKey));
    this.#handle = this.#native.handle();
  }

  get clientId(): string {
    return this.#native.clientId;
  }

  /** The `Authorization` header value for one request. */
  authorization(request: SignRequest): string {
    const r = request;
    return sync(
      () =>
        // `undefined` for what only the ordinary path handles (ext parameters, unexpected types).
        (r.ext == null ? fastAuthorization(this.#handle, r.method, r.url, body(r.body), r.ts, r.nonce) : undefined) ??
        this.#native.authorization(r.method, r.url, body(r.body), ext(r.ext), r.ts, r.nonce),
    );
  }

  /** The signature with its intermediate values; give both `ts` and `nonce`, or neither. */
  sign(request: SignRequest): Signature {
    const r = request;
    return sync(() => this.#native.sign(r.method, r.url, body(r.body), ext(r.ext), r.ts, r.nonce));
  }

  /** Many headers in one crossing into Rust, computed off the JavaScript thread. */
  async authorizationBatch(requests: readonly SignRequest[]): Promise<string[]> {
    const inputs = requests.map((r) => ({
      method: r.method,
      url: r.url,
      body: body(r.body),
      ext: ext(r.ext),
      ts: r.ts,
      nonce: r.nonce,
    }));
    try {
      return await sync(() => this.#native.authorizationBatch(inputs));
    } catch (error) {
      throw fromNative(error);
    }
  }

  [inspect.custom](): string {
    return `MacSigner { clientId: ${inspect(this.clientId)} }`;
  }

  toJSON(): { clientId: string } {
    return { clientId: this.clientId };
  }
}
