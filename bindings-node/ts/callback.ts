import { sync } from './errors';
import type { CallbackEvent } from './models';
import native = require('./native');

function bytes(b: string | Uint8Array): string | Buffer {
  return typeof b === 'string' || Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * True when `sign` is Paysera's signature (RSA PKCS#1 v1.5, SHA-256) of exactly these `event`
 * bytes. Pass the form-decoded `event` field as received, never re-serialized JSON. Throws only
 * for an unusable public key.
 */
export function verifyCallback(event: string | Uint8Array, sign: string, publicKeyPem: string): boolean {
  return sync(() => native.verifyCallback(bytes(event), sign, publicKeyPem));
}

/** Verifies, then decodes the event; throws `InvalidInputError` when either fails. */
export function verifyCallbackEvent(event: string | Uint8Array, sign: string, publicKeyPem: string): CallbackEvent {
  return sync(() => native.verifyCallbackEvent(bytes(event), sign, publicKeyPem)) as CallbackEvent;
}

/** The `event` (the exact signed bytes) and `sign` fields of a raw callback POST body. */
export function parseCallbackForm(body: string | Uint8Array): { event: Buffer; sign: string } {
  return sync(() => native.parseCallbackForm(bytes(body)));
}
