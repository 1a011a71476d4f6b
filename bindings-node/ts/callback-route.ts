/**
 * What the Express middleware and the Fastify plugin share: the options, and the answer to one
 * callback body. Framework-free, so each glue module only gets the raw bytes and sends the
 * answer.
 */
import { parseCallbackForm, verifyCallback, verifyCallbackEvent } from './callback';
import { InvalidInputError } from './errors';
import type { CallbackEvent } from './models';

/** Bytes accepted in one callback body before answering 413. Paysera's callbacks are a few KiB
 * (one transaction); the cap keeps a stranger from making the server buffer megabytes. */
export const DEFAULT_CALLBACK_BODY_LIMIT = 64 * 1024;

/** What the glue needs of a `Cashier`: its `handleCallback`. */
export interface CallbackCashier {
  handleCallback(body: string | Buffer): Promise<boolean>;
}

/** What verify-only mode needs of a `Client`: Paysera's public key (fetched once, cached,
 * fetched again once when a signature does not match) and the check against it. */
export interface CallbackVerifier {
  getPublicKey(): Promise<string>;
  verifyCallback(event: string | Buffer, sign: string): Promise<boolean>;
}

/** Where the glue reports what it refused and why (never a body, a signature or a key). */
export interface CallbackLogger {
  warn(message: string): unknown;
  error(message: string): unknown;
}

/**
 * Options of `payseraCallback` (Express) and `payseraCallbackPlugin` (Fastify). Give exactly one
 * of `cashier` (the cashier verifies and acts), `verify` (a `Client`: check the signature with
 * Paysera's public key and hand the event to `onCallback`) or `publicKeyPem` (the same with a
 * key you hold).
 */
export interface CallbackRouteOptions<Req> {
  /** The `Cashier` running the loop in this process: the body goes to `cashier.handleCallback`. */
  cashier?: CallbackCashier;
  /** Verify-only: a `Client` whose `getPublicKey()`/`verifyCallback()` check the signature. */
  verify?: CallbackVerifier;
  /** Verify-only with a key you hold (Paysera's `GET /publickey`, or the sandbox's). */
  publicKeyPem?: string;
  /** Called for genuine callbacks only (with a cashier: those it acted on), after the signature
   * was checked and before the 200. If it throws or rejects, the answer is 500 and Paysera posts
   * the callback again later. */
  onCallback?(event: CallbackEvent, req: Req): unknown;
  /** Largest body accepted, in bytes; larger gets 413. Default {@link DEFAULT_CALLBACK_BODY_LIMIT}. */
  limit?: number;
  /** Default `console`. */
  logger?: CallbackLogger;
}

export interface CallbackAnswer {
  status: number;
  text: string;
}

export const answers = {
  ok: { status: 200, text: 'OK' },
  refused: { status: 400, text: 'Bad Request' },
  tooLarge: { status: 413, text: 'Payload Too Large' },
  failed: { status: 500, text: 'Internal Server Error' },
  unavailable: { status: 503, text: 'Service Unavailable' },
} satisfies Record<string, CallbackAnswer>;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface CallbackRoute<Req> {
  limit: number;
  logger: CallbackLogger;
  /** The answer to one raw body; never rejects. */
  answer(body: string | Buffer, req: Req): Promise<CallbackAnswer>;
}

/** Checks the options once, when the route is built, and returns the body handler. */
export function callbackRoute<Req>(name: string, options: CallbackRouteOptions<Req>): CallbackRoute<Req> {
  const o = options ?? {};
  const given = (['cashier', 'verify', 'publicKeyPem'] as const).filter((k) => o[k] != null);
  if (given.length !== 1) {
    throw new InvalidInputError(`${name}: give exactly one of cashier, verify (a Client) or publicKeyPem`);
  }
  if (o.cashier != null && typeof o.cashier.handleCallback !== 'function') {
    throw new InvalidInputError(`${name}: cashier must be a Cashier (it has no handleCallback)`);
  }
  if (o.verify != null && (typeof o.verify.verifyCallback !== 'function' || typeof o.verify.getPublicKey !== 'function')) {
    throw new InvalidInputError(`${name}: verify must be a Client`);
  }
  if (o.publicKeyPem != null && typeof o.publicKeyPem !== 'string') {
    throw new InvalidInputError(`${name}: publicKeyPem must be a PEM string`);
  }
  if (o.onCallback != null && typeof o.onCallback !== 'function') {
    throw new InvalidInputError(`${name}: onCallback must be a function`);
  }
  const limit = o.limit ?? DEFAULT_CALLBACK_BODY_LIMIT;
  if (!Number.isSafeInteger(limit) || limit <= 0) throw new InvalidInputError(`${name}: limit must be a positive integer`);
  const logger = o.logger ?? console;

  // The decoded event of a genuine callback, or null when the signature does not verify.
  const verified = async (body: string | Buffer): Promise<CallbackEvent | null> => {
    const { event, sign } = parseCallbackForm(body);
    if (o.publicKeyPem != null) {
      return verifyCallback(event, sign, o.publicKeyPem) ? verifyCallbackEvent(event, sign, o.publicKeyPem) : null;
    }
    const client = o.verify!;
    if (!(await client.verifyCallback(event, sign))) return null;
    // Verified with the client's current key (fetched again if it had rotated): decode with it.
    return verifyCallbackEvent(event, sign, await client.getPublicKey());
  };

  const notify = async (event: () => CallbackEvent, req: Req): Promise<CallbackAnswer> => {
    try {
      await o.onCallback?.(event(), req);
      return answers.ok;
    } catch (error) {
      logger.error(`${name}: onCallback failed, answering 500 so Paysera posts it again: ${message(error)}`);
      return answers.failed;
    }
  };

  const answer = async (body: string | Buffer, req: Req): Promise<CallbackAnswer> => {
    if (o.cashier != null) {
      let genuine: boolean;
      try {
        genuine = await o.cashier.handleCallback(body);
      } catch (error) {
        // Paysera's public key could not be fetched: Paysera posts again later, polling covers it.
        logger.error(`${name}: callback not handled, answering 503: ${message(error)}`);
        return answers.unavailable;
      }
      if (!genuine) return answers.refused; // the cashier logged why
      if (o.onCallback == null) return answers.ok;
      // The cashier checked the signature over these very bytes.
      return notify(() => JSON.parse(parseCallbackForm(body).event.toString('utf8')) as CallbackEvent, req);
    }
    let event: CallbackEvent | null;
    try {
      event = await verified(body);
    } catch (error) {
      if (error instanceof InvalidInputError) {
        logger.warn(`${name}: callback refused: ${message(error)}`);
        return answers.refused;
      }
      logger.error(`${name}: callback not verified, answering 503: ${message(error)}`);
      return answers.unavailable;
    }
    if (event == null) {
      logger.warn(`${name}: callback refused: its signature does not verify with Paysera's public key`);
      return answers.refused;
    }
    const decoded = event;
    return notify(() => decoded, req);
  };

  return { limit, logger, answer };
}
