/**
 * `paysera-scanpay/express`: Paysera's callback route for Express, Connect or plain `node:http`
 * (tested with Express 5). Typed structurally: it needs neither `express` nor `@types/express`.
 *
 * ```js
 * const { payseraCallback } = require('paysera-scanpay/express');
 * app.post('/paysera/callback', payseraCallback({ cashier })); // before any body parser
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { answers, callbackRoute } from './callback-route';
import type { CallbackAnswer, CallbackRouteOptions } from './callback-route';

export { DEFAULT_CALLBACK_BODY_LIMIT } from './callback-route';
export type { CallbackCashier, CallbackLogger, CallbackVerifier } from './callback-route';

/** The request as the middleware reads it: Express's `Request` is one. */
export interface CallbackRequest extends IncomingMessage {
  /** Set by a body parser mounted before the middleware, if any. */
  body?: unknown;
}

/** Options of {@link payseraCallback}: exactly one of `cashier`, `verify` or `publicKeyPem`. */
export type ExpressCallbackOptions = CallbackRouteOptions<CallbackRequest>;

/** An Express request handler (also a Connect middleware and a `node:http` listener). */
export type CallbackHandler = (req: CallbackRequest, res: ServerResponse, next?: (err?: unknown) => void) => void;

const TOO_LARGE = Symbol('too large');

/** The body's bytes, read from the stream up to `limit`; past it the rest is drained and
 * dropped. Null when the client went away first. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | typeof TOO_LARGE | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = Number(req.headers['content-length']) > limit;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    req.once('end', () => resolve(over ? TOO_LARGE : Buffer.concat(chunks)));
    req.once('error', () => resolve(null));
    req.once('close', () => {
      if (!req.readableEnded) resolve(null);
    });
    req.resume();
  });
}

function send(res: ServerResponse, { status, text }: CallbackAnswer, extra: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.statusCode = status;
  for (const [name, value] of Object.entries(extra)) res.setHeader(name, value);
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/**
 * An Express request handler for the URL Paysera posts callbacks to (`callbackUri` /
 * `callback_uri`). It reads the raw body itself, since the signature covers the exact bytes:
 * mount it before any body parser, or after `express.raw()` / `express.text()` for its route.
 *
 * Answers 200 `OK` to a genuine callback (with a `cashier`: one it acted on), 400 to anything
 * else (forged, tampered, unsigned, replayed, not this cashier's), 413 past `limit` bytes, 503
 * when Paysera's public key cannot be fetched (Paysera posts again later), and 500 when a body
 * parser already turned the body into an object, or `onCallback` failed.
 *
 * ```js
 * app.post('/paysera/callback', payseraCallback({ cashier }));
 * app.post('/paysera/callback', payseraCallback({ verify: client, onCallback: (event, req) => notify(event) }));
 * ```
 */
export function payseraCallback(options: ExpressCallbackOptions): CallbackHandler {
  const name = 'payseraCallback';
  const route = callbackRoute(name, options);
  const consumed =
    `${name}: a body parser mounted before it already consumed the request body (req.body is not a Buffer or a ` +
    'string), so the exact bytes Paysera signed are lost. Mount payseraCallback before express.urlencoded() and ' +
    "express.json(), or give its route express.raw({ type: 'application/x-www-form-urlencoded' }).";

  const handle = async (req: CallbackRequest, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') return send(res, { status: 405, text: 'Method Not Allowed' }, { allow: 'POST' });
    let body: Buffer | string;
    const parsed = req.body;
    if (Buffer.isBuffer(parsed) || typeof parsed === 'string') {
      // express.raw() / express.text(): the bytes as received.
      if (Buffer.byteLength(parsed) > route.limit) return send(res, answers.tooLarge);
      body = parsed;
    } else if (!req.readableEnded) {
      // Nothing has read the stream (a parser for another content type may have set req.body = {}).
      const read = await readBody(req, route.limit);
      if (read == null) return; // the client is gone
      if (read === TOO_LARGE) return send(res, answers.tooLarge, { connection: 'close' });
      body = read;
    } else {
      route.logger.error(consumed);
      return send(res, { status: 500, text: consumed });
    }
    send(res, await route.answer(body, req));
  };

  return (req, res, next) => {
    handle(req, res).catch((error: unknown) => {
      // Only a bug can get here (route.answer never rejects): let Express report it.
      if (next) next(error);
      else send(res, answers.failed);
    });
  };
}
