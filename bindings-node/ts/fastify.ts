/**
 * `paysera-scanpay/fastify`: Paysera's callback route as a Fastify plugin (tested with Fastify 5).
 * Typed structurally: it does not import `fastify`.
 *
 * ```js
 * const { payseraCallbackPlugin } = require('paysera-scanpay/fastify');
 * app.register(payseraCallbackPlugin, { path: '/paysera/callback', cashier });
 * ```
 */
import type { IncomingHttpHeaders } from 'node:http';

import { callbackRoute } from './callback-route';
import type { CallbackRouteOptions } from './callback-route';

export { DEFAULT_CALLBACK_BODY_LIMIT } from './callback-route';
export type { CallbackCashier, CallbackLogger, CallbackVerifier } from './callback-route';

/** What `onCallback` is given: Fastify's `FastifyRequest` is one (annotate it as that). */
export interface FastifyCallbackRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body?: unknown;
}

/** Options of {@link payseraCallbackPlugin}: exactly one of `cashier`, `verify` or `publicKeyPem`. */
export interface FastifyCallbackOptions extends CallbackRouteOptions<FastifyCallbackRequest> {
  /** The route, under the plugin's `prefix`; default `'/'`. */
  path?: string;
}

/** What the plugin uses of a `FastifyReply`. */
export interface FastifyCallbackReply {
  code(statusCode: number): FastifyCallbackReply;
  type(contentType: string): FastifyCallbackReply;
  send(payload?: unknown): unknown;
}

/** What the plugin uses of a `FastifyInstance`: its encapsulated child context. */
export interface FastifyCallbackInstance {
  addContentTypeParser(
    contentType: string,
    options: { parseAs: 'buffer'; bodyLimit?: number },
    parser: (request: unknown, body: Buffer, done: (err: Error | null, body?: unknown) => void) => void,
  ): unknown;
  post(
    path: string,
    options: { bodyLimit?: number },
    handler: (request: FastifyCallbackRequest, reply: FastifyCallbackReply) => Promise<unknown>,
  ): unknown;
}

/**
 * A Fastify plugin serving the URL Paysera posts callbacks to (`callbackUri` / `callback_uri`):
 * `app.register(payseraCallbackPlugin, { path: '/paysera/callback', cashier })`.
 *
 * Inside its own encapsulated context it parses `application/x-www-form-urlencoded` as the raw
 * Buffer (the signature covers the exact bytes), so the rest of the app keeps its own parsers.
 * Answers 200 `OK` to a genuine callback (with a `cashier`: one it acted on), 400 to anything
 * else, 413 past `limit` bytes (Fastify's body limit), 503 when Paysera's public key cannot be
 * fetched, 500 when `onCallback` failed.
 */
export async function payseraCallbackPlugin(app: FastifyCallbackInstance, options: FastifyCallbackOptions): Promise<void> {
  const route = callbackRoute('payseraCallbackPlugin', options);
  const bodyLimit = route.limit;
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit }, (_request, body, done) =>
    done(null, body),
  );
  app.post(options.path ?? '/', { bodyLimit }, async (request, reply) => {
    const body = request.body;
    // Paysera posts a form; another content type went through another parser of the app.
    const raw = Buffer.isBuffer(body) || typeof body === 'string' ? body : null;
    const { status, text } = raw == null ? { status: 400, text: 'Bad Request' } : await route.answer(raw, request);
    return reply.code(status).type('text/plain; charset=utf-8').send(text);
  });
}
