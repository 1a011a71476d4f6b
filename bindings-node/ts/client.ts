import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';

import { InvalidInputError, fromNative, isAbort, sync } from './errors';
import type {
  ConfirmPrices,
  Id,
  Order,
  Spot,
  SpotList,
  SpotStatus,
  Transaction,
  TransactionList,
  TransactionRequest,
  TransactionStatus,
} from './models';
import {
  type ClientEvents,
  type LogDestination,
  type LogLevel,
  type LogRecord,
  attach,
  checkLogger,
  deliver,
  rank,
  rankOf,
  refresh,
} from './logging';
import native = require('./native');

/** Paysera's production API host: `https://wallet.paysera.com`. */
export const PRODUCTION_BASE_URL: string = native.PRODUCTION_BASE_URL;
/**
 * Paysera's own sandbox host, `https://wallet-sandbox.paysera.com`, as named in Paysera's PHP
 * library. Ask Paysera whether it serves Scan and Pay for your account (see docs/going-live.md).
 */
export const SANDBOX_BASE_URL: string = native.SANDBOX_BASE_URL;
/** The base URL a `Client` uses unless given one: {@link PRODUCTION_BASE_URL}. */
export const DEFAULT_BASE_URL: string = native.DEFAULT_BASE_URL;

export interface ClientOptions {
  clientId: string;
  macKey: string;
  /** {@link DEFAULT_BASE_URL} by default; {@link SANDBOX_BASE_URL}, the simulator or a proxy otherwise. */
  baseUrl?: string;
  /** Whole-request timeout per attempt; default {@link DEFAULT_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** TCP + TLS connect timeout; default {@link DEFAULT_CONNECT_TIMEOUT_MS}. */
  connectTimeoutMs?: number;
  /** Extra attempts for failures that are safe to retry; default {@link DEFAULT_RETRIES}, 0 for none. */
  retries?: number;
  userAgent?: string;
  /** The project every call acts for, sent as the MAC ext parameter `project_id` (as Paysera's
   * PHP library does); Paysera refuses other projects' resources. */
  projectId?: Id;
  /** The location every call acts for, sent as the MAC ext parameter `location_id`; Paysera
   * refuses other locations' spots and transactions. */
  locationId?: Id;
  /** Where the records of this client's calls go (else to `setLogger`'s): console, pino,
   * winston… (`{debug, info, warn, error}`), or a function taking each `LogRecord`. */
  logger?: LogDestination;
  /** The most verbose level for `logger` and the `log` event. Default: the logger's own
   * `level` when it names one (pino, winston), else `'info'`. */
  logLevel?: LogLevel | 'off';
}

/** The MAC ext parameters of one call; each given one replaces the client's. */
export interface ExtOptions {
  projectId?: Id;
  locationId?: Id;
}

/** Every method takes these last. */
export interface CallOptions {
  /** Aborting rejects the call with `signal.reason` and closes the request. */
  signal?: AbortSignal;
  /** This call acts for another project and/or location (`{ locationId: 7 }`). */
  ext?: ExtOptions;
}

/** Options of `findTransactions`: the `created_at` window, Unix seconds. */
export interface FindTransactionsOptions extends CallOptions {
  from?: number;
  to?: number;
}

/** Filters of `GET /spots`, with Paysera's query parameter names. */
export interface ListSpotsOptions extends CallOptions {
  status?: SpotStatus;
  location_id?: Id;
  /** @deprecated Use `location_id`, Paysera's name (accepted, same meaning). */
  locationId?: Id;
  /** {@link MIN_PAGE_SIZE}–{@link MAX_PAGE_SIZE}; with `iterSpots` the page size (default {@link DEFAULT_PAGE_SIZE}). */
  limit?: number;
  offset?: number;
}

/** Filters of `GET /transactions`, with Paysera's query parameter names. */
export interface ListTransactionsOptions extends CallOptions {
  /** One status or several (sent comma-separated). */
  status?: TransactionStatus | readonly TransactionStatus[];
  wallet?: Id;
  /** Unix seconds, inclusive lower bound of `created_at`. */
  from?: number;
  /** Unix seconds, upper bound of `created_at`. */
  to?: number;
  /** {@link MIN_PAGE_SIZE}–{@link MAX_PAGE_SIZE}; with `iterTransactions` the page size (default {@link DEFAULT_PAGE_SIZE}). */
  limit?: number;
  offset?: number;
  project_id?: Id;
  location_id?: Id;
  /** @deprecated Use `project_id`, Paysera's name (accepted, same meaning). */
  projectId?: Id;
  /** @deprecated Use `location_id`, Paysera's name (accepted, same meaning). */
  locationId?: Id;
}

export interface ConfirmOptions extends CallOptions {
  /** Lower payment amounts: `{ [paymentId]: { price, currency } }`. */
  prices?: ConfirmPrices;
}

type Token = native.CancelToken | undefined;

/** The native half of a `Client` (package-internal: the `Cashier` drives it). */
export let nativeClient: (client: unknown) => native.Client;

/** Runs one native call, wiring `signal` to a cancel token and converting errors. */
export function call<T>(signal: AbortSignal | undefined, start: (token: Token) => Promise<unknown>): Promise<T> {
  if (signal == null) {
    try {
      return start(undefined).catch((e: unknown) => Promise.reject(fromNative(e))) as Promise<T>;
    } catch (e) {
      return Promise.reject(fromNative(e));
    }
  }
  if (signal.aborted) return Promise.reject(signal.reason);
  const token = new native.CancelToken();
  const onAbort = () => token.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  const done = () => signal.removeEventListener('abort', onAbort);
  let pending: Promise<unknown>;
  try {
    pending = start(token);
  } catch (e) {
    done();
    return Promise.reject(fromNative(e));
  }
  return pending.then(
    (value) => {
      done();
      return value as T;
    },
    (e: unknown) => {
      done();
      throw isAbort(e) ? signal.reason : fromNative(e);
    },
  );
}

/** A filter given by Paysera's name or by its older camelCase alias (not both, unless equal). */
function either<T>(o: object, wire: string, alias: string): T | undefined {
  const r = o as Record<string, T | undefined>;
  const [a, b] = [r[wire], r[alias]];
  if (a != null && b != null && String(a) !== String(b)) {
    throw new InvalidInputError(`${wire} and ${alias} (its older name) differ: give only ${wire}`);
  }
  return a ?? b;
}

function spotQuery(o: ListSpotsOptions): native.SpotQueryOptions {
  return { status: o.status, locationId: either(o, 'location_id', 'locationId'), limit: o.limit, offset: o.offset };
}

function transactionQuery(o: ListTransactionsOptions): native.TransactionQueryOptions {
  const status = o.status == null ? undefined : typeof o.status === 'string' ? [o.status] : [...o.status];
  return {
    statuses: status,
    wallet: o.wallet,
    from: o.from,
    to: o.to,
    limit: o.limit,
    offset: o.offset,
    projectId: either(o, 'project_id', 'projectId'),
    locationId: either(o, 'location_id', 'locationId'),
  };
}

async function* walk<T>(pager: native.Pager, signal: AbortSignal | undefined): AsyncGenerator<T, void, undefined> {
  for (;;) {
    const page = await call<T[] | null>(signal, (t) => pager.nextPage(t));
    if (page == null) return;
    yield* page;
  }
}

/**
 * The Paysera Wallet API client (Scan and Pay). Requests run in the Rust core on its own
 * threads: each is MAC-signed per attempt, retried only when that cannot apply it twice, and
 * never blocks the event loop. Methods return Promises of Paysera's wire objects.
 *
 * ```ts
 * const client = new Client({ clientId, macKey });
 * const { spots } = await client.listSpots({ status: 'waiting' });
 * ```
 */
export class Client extends EventEmitter<ClientEvents> {
  readonly #native: native.Client;
  readonly #logger: LogDestination | undefined;
  readonly #logRank: number;
  #logging = false;

  static {
    nativeClient = (client) => {
      if (typeof client !== 'object' || client === null || !(#native in client)) {
        throw new InvalidInputError('client must be a Client from paysera-scanpay');
      }
      return client.#native;
    };
  }

  constructor(options: ClientOptions) {
    super();
    const o = options;
    this.#logger = sync(() => checkLogger(o.logger, 'logger'));
    this.#logRank = sync(() => rankOf(o.logLevel, this.#logger, 'logLevel'));
    this.#native = sync(
      () =>
        new native.Client({
          clientId: o.clientId,
          macKey: o.macKey,
          baseUrl: o.baseUrl,
          timeoutMs: o.timeoutMs,
          connectTimeoutMs: o.connectTimeoutMs,
          retries: o.retries,
          userAgent: o.userAgent,
          projectId: o.projectId,
          locationId: o.locationId,
        }),
    );
    if (this.#logger !== undefined) this.#startLogging();
    // The records behind events are only asked of the core while someone listens.
    (this as EventEmitter).on('newListener', (event: string | symbol) => {
      if (event === 'request' || event === 'response' || event === 'retry' || event === 'log') {
        this.#adding = event;
        try {
          this.#startLogging();
        } finally {
          this.#adding = undefined;
        }
      }
    });
    (this as EventEmitter).on('removeListener', () => this.#logging && refresh());
  }

  #adding: string | undefined;

  #startLogging(): void {
    if (!this.#logging) {
      this.#logging = true;
      attach(this.#native, { logRank: () => this.#wanted(), logRecord: (r) => this.#logRecord(r) });
    } else {
      refresh();
    }
  }

  /** The most verbose rank this client's logger and listeners want. */
  #wanted(): number {
    const listening = (e: keyof ClientEvents) => this.#adding === e || this.listenerCount(e) > 0;
    let wanted = this.#logger !== undefined || listening('log') ? this.#logRank : 0;
    if (listening('request') || listening('response')) wanted = Math.max(wanted, 4);
    if (listening('retry')) wanted = Math.max(wanted, 2);
    return wanted;
  }

  #logRecord(record: LogRecord): boolean {
    const { event } = record.fields;
    if ((event === 'request' || event === 'response' || event === 'retry') && this.listenerCount(event) > 0) {
      const { logger: _logger, event: _event, ...fields } = record.fields;
      (this as EventEmitter).emit(event, { ...fields, time: record.time });
    }
    if (rank(record) <= this.#logRank) {
      if (this.listenerCount('log') > 0) this.emit('log', record);
      if (this.#logger !== undefined) deliver(this.#logger, record);
    }
    return this.#logger !== undefined;
  }

  get baseUrl(): string {
    return this.#native.baseUrl;
  }

  get clientId(): string {
    return this.#native.clientId;
  }

  get timeoutMs(): number {
    return this.#native.timeoutMs;
  }

  get retries(): number {
    return this.#native.retries;
  }

  /** Seconds added to the local clock when signing, learnt from `invalid_timestamp`. */
  get clockOffset(): number {
    return this.#native.clockOffset;
  }

  /** The project every call acts for (MAC ext `project_id`), if any. */
  get projectId(): number | undefined {
    return this.#native.projectId ?? undefined;
  }

  /** The location every call acts for (MAC ext `location_id`), if any. */
  get locationId(): number | undefined {
    return this.#native.locationId ?? undefined;
  }

  /** The native client for one call: this one, or a view with the call's `ext`. */
  #for(options: CallOptions): native.Client {
    const ext = options.ext;
    if (ext == null) return this.#native;
    return sync(() => this.#native.withExt(ext.projectId, ext.locationId));
  }

  /** `GET /spots`: one page. */
  listSpots(options: ListSpotsOptions = {}): Promise<SpotList> {
    return call(options.signal, (t) => this.#for(options).listSpots(spotQuery(options), t));
  }

  /** Every matching spot, fetching page after page. */
  iterSpots(options: ListSpotsOptions = {}): AsyncGenerator<Spot, void, undefined> {
    return walk<Spot>(sync(() => this.#for(options).iterSpots(spotQuery(options))), options.signal);
  }

  /** `GET /spot/{id}`. */
  getSpot(spotId: Id, options: CallOptions = {}): Promise<Spot> {
    return call(options.signal, (t) => this.#for(options).getSpot(spotId, t));
  }

  /** `POST /spot/{id}/order`: attach a transaction to a waiting spot. Not retried once sent: on
   * an unknown outcome read the spot's `orders` before trying again. */
  createSpotOrder(spotId: Id, transactionKey: string, options: CallOptions = {}): Promise<Order> {
    return call(options.signal, (t) => this.#for(options).createSpotOrder(spotId, transactionKey, t));
  }

  /** `PUT /spot/{id}/close`. */
  closeSpot(spotId: Id, options: CallOptions = {}): Promise<Spot> {
    return call(options.signal, (t) => this.#for(options).closeSpot(spotId, t));
  }

  /** `POST /transaction`, validated before anything is sent. Not retried once sent (Paysera has
   * no idempotency keys): on `outcomeUnknown`, look it up by your reference first. */
  createTransaction(request: TransactionRequest, options: CallOptions = {}): Promise<Transaction> {
    return call(options.signal, (t) => this.#for(options).createTransaction(request, t));
  }

  /** `GET /transaction/{key}`. */
  getTransaction(transactionKey: string, options: CallOptions = {}): Promise<Transaction> {
    return call(options.signal, (t) => this.#for(options).getTransaction(transactionKey, t));
  }

  /** `GET /transactions`: one page. */
  listTransactions(options: ListTransactionsOptions = {}): Promise<TransactionList> {
    return call(options.signal, (t) => this.#for(options).listTransactions(transactionQuery(options), t));
  }

  /** Every matching transaction, fetching page after page. */
  iterTransactions(options: ListTransactionsOptions = {}): AsyncGenerator<Transaction, void, undefined> {
    const pager = sync(() => this.#for(options).iterTransactions(transactionQuery(options)));
    return walk<Transaction>(pager, options.signal);
  }

  /**
   * Transactions created between `from` and `to` (Unix seconds) whose payments carry
   * `parameters[parameter] === value` (compared as text): after `outcomeUnknown` on a create,
   * find what was created. Walks every page of the window: keep it short.
   */
  findTransactions(
    parameter: string,
    value: string | number,
    options: FindTransactionsOptions = {},
  ): Promise<Transaction[]> {
    return call(options.signal, (t) =>
      this.#for(options).findTransactions(parameter, String(value), options.from, options.to, t),
    );
  }

  /** `PUT /transaction/{key}/confirm`: take the money, optionally lowering prices. */
  confirmTransaction(transactionKey: string, options: ConfirmOptions = {}): Promise<Transaction> {
    return call(options.signal, (t) => this.#for(options).confirmTransaction(transactionKey, options.prices, t));
  }

  /** `DELETE /transaction/{key}`: revoke (while `new`, `waiting*` or `reserved`). */
  revokeTransaction(transactionKey: string, options: CallOptions = {}): Promise<Transaction> {
    return call(options.signal, (t) => this.#for(options).revokeTransaction(transactionKey, t));
  }

  /** `GET /server`: Paysera's clock, Unix seconds. */
  serverTime(options: CallOptions = {}): Promise<number> {
    return call(options.signal, (t) => this.#for(options).serverTime(t));
  }

  /** `GET /publickey`: the PEM key that signs callbacks; fetched once, then cached. */
  getPublicKey(options: CallOptions = {}): Promise<string> {
    return call(options.signal, (t) => this.#for(options).getPublicKey(t));
  }

  /** Verifies a callback with Paysera's public key (fetched and cached by `getPublicKey`). */
  verifyCallback(event: string | Buffer, sign: string, options: CallOptions = {}): Promise<boolean> {
    return call(options.signal, (t) => this.#for(options).verifyCallback(event, sign, t));
  }

  [inspect.custom](): string {
    return `Client { clientId: ${inspect(this.clientId)}, baseUrl: ${inspect(this.baseUrl)} }`;
  }

  toJSON(): { clientId: string; baseUrl: string } {
    return { clientId: this.clientId, baseUrl: this.baseUrl };
  }
}
