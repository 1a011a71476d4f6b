/**
 * The cashier: the merchant's whole Scan and Pay loop, run by the Rust core's engine. You say
 * how to price a waiting spot and what to do on each event; the engine polls, creates and
 * attaches transactions, confirms what customers reserved, revokes what they ignored and frees
 * the spots, exactly once, within one request budget.
 *
 * ```ts
 * const cashier = new Cashier(client, {
 *   price: (spot) => [{ description: `Table ${spot.identifier}`, price: 1299, currency: 'EUR' }],
 *   onEvent: (event) => console.log(event.kind, event.spot_id),
 *   store: 'sqlite:///var/lib/shop/cashier.db',
 * });
 * await cashier.start({ signal });
 * ```
 */
import { type CallOptions, type Client, call, nativeClient } from './client';
import { InvalidInputError, fromNative, sync } from './errors';
import type { ConfirmPrices, Id, PaymentRequest, Spot, Transaction } from './models';
import native = require('./native');

/** What happened to a check-in. */
export type EventKind = 'order_created' | 'paid' | 'rejected' | 'expired' | 'failed' | 'spot_closed' | 'error';

/** An amount: integer minor units of `currency` (1299 = 12.99 EUR). */
export interface Money {
  price: number;
  currency: string;
}

/** One event of the cashier, with the core's wire names. */
export interface Event {
  /** Stable across retries and restarts, `{reference}:{kind}`: de-duplicate on it (an event may
   * be delivered more than once). */
  id: string;
  kind: EventKind;
  spot_id: number;
  /** The spot's location, when known. */
  location_id: number | null;
  transaction_key: string | null;
  /** The check-in's reference, also in each payment's `parameters.scanpay_reference`. */
  reference: string;
  /** Charged (`paid`) or asked (`order_created`). */
  amounts: Money[];
  /** The payments' `parameters` as `price` set them (e.g. `orderid`), merged, with
   * `scanpay_reference`; empty for an `error` event of a spot not priced yet. */
  parameters: Record<string, unknown>;
  /** What went wrong, for `error` events. */
  message: string | null;
}

/** An event `onEvent` has not acknowledged yet, as the store keeps it. */
export interface UndeliveredEvent {
  event: Event;
  /** Order of recording; a spot's events are delivered in this order. */
  seq: number;
  /** Failed deliveries so far. */
  attempts: number;
  /** Why the last delivery failed. */
  last_error: string | null;
  /** Unix milliseconds before which it is not retried. */
  next_attempt_at_ms: number;
}

/** What one tick did. */
export interface TickReport {
  /** Listing requests: at most 2, whatever the number of spots. */
  polling_requests: number;
  /** Requests the tick's work required. */
  action_requests: number;
  events: Event[];
}

/** A check-in in progress, as the store keeps it. */
export interface CashierRecord {
  reference: string;
  spot_id: number;
  location_id: number | null;
  stage: 'creating' | 'created' | 'ordering' | 'ordered' | 'confirming' | 'revoking' | 'closing';
  /** For `closing`: how the check-in ended. */
  outcome?: 'paid' | 'rejected' | 'expired' | 'failed';
  transaction_key: string | null;
  /** Unix seconds. */
  started_at: number;
  ordered_at: number | null;
  amounts: Money[];
  /** The payments' `parameters`, merged. */
  parameters: Record<string, unknown>;
  /** Event kinds already recorded for delivery (see `undelivered()`). */
  delivered: string[];
}

/** Where a cashier keeps what it started: `'memory'`, `'sqlite:///path/cashier.db'` or
 * `'postgres://user:pass@host:port/db'` (`postgresql://` too). */
export type StoreUrl = 'memory' | `sqlite://${string}` | `postgres://${string}` | `postgresql://${string}`;

/** The cashier's health (`Cashier.stats()`). Times are Unix milliseconds. */
export interface CashierStats {
  /** `active`: holds the store's lease (polls, acts, delivers events); `standby`: another
   * replica holds it; `idle`: no tick has taken it (not started, or between runs). */
  role: 'active' | 'standby' | 'idle';
  /** This cashier's id in the store's lease (`host:pid:random`). */
  owner: string;
  /** The store's URL, password redacted. */
  store: string;
  /** The replica holding the lease, on a standby. */
  active_owner: string | null;
  lease_until_ms: number | null;
  /** Whether `runOnce()` or `start()` is in progress. */
  running: boolean;
  last_tick_at_ms: number | null;
  ticks: number;
  /** Failed ticks in a row (Paysera or the store unreachable, or a store write failed during the
   * tick); 0 when the last one worked. */
  consecutive_errors: number;
  last_error: string | null;
  open_records: number;
  /** Age of the oldest check-in in progress, in seconds. */
  oldest_record_age_s: number | null;
  undelivered_events: number;
  /** Requests the budget allows now (`null`: no limit). */
  budget_tokens: number | null;
  /** Until when every request waits after a 429 or errors. */
  paused_until_ms: number | null;
}

/** A value, or a Promise of it. */
export type Awaitable<T> = T | PromiseLike<T>;

export interface CashierOptions {
  /** The payments for a waiting spot (as `createTransaction` takes them), or null/undefined to
   * leave it alone for now (asked again next tick). */
  price(spot: Spot): Awaitable<readonly PaymentRequest[] | null | undefined>;
  /** Called at least once per event: the event counts as delivered once this returns (or its
   * Promise resolves); if it throws or rejects, it is delivered again on a later tick. A spot's
   * events arrive in order; events of different spots may overlap (`concurrency`).
   * De-duplicate on `event.id`. */
  onEvent(event: Event): unknown;
  /** Lower a reserved bill before confirming: `{ [paymentId]: { price, currency } }`, or
   * null/undefined to take it as reserved. */
  adjust?(transaction: Transaction): Awaitable<ConfirmPrices | null | undefined>;
  /** Where the cashier remembers what it started, by URL: `'memory'` (default),
   * `'sqlite:///path/cashier.db'` (durable, on this machine) or
   * `'postgres://user:pass@host:port/db'` (shared by replicas); `{ file: path }` means SQLite
   * there (an old cashier log at that path is imported). A restarted
   * cashier finishes what it started. Cashiers sharing a store take turns: one is active, the
   * others stand by and take over when its lease (`leaseTtlMs`) expires. A database server is
   * connected to on the first tick (its errors come from there). */
  store?: StoreUrl | { file: string };
  /** How long this cashier's claim on a shared store lasts without renewal; default
   * {@link DEFAULT_LEASE_TTL_MS}. */
  leaseTtlMs?: number;
  /** How often the active cashier looks in a shared store for callbacks other processes handed
   * over; default {@link DEFAULT_WAKE_INTERVAL_MS}. */
  wakeIntervalMs?: number;
  /** Pause between ticks of `start()` (none while a sweep over more pages is under way and the
   * budget can spare it); default {@link DEFAULT_POLL_INTERVAL_MS}. */
  pollIntervalMs?: number;
  /** Budget shared by every request; default {@link DEFAULT_REQUESTS_PER_MINUTE}, 0 for no limit. */
  requestsPerMinute?: number;
  /** How long a customer has to act on an order before it is revoked (whole seconds count);
   * default {@link DEFAULT_CUSTOMER_TIMEOUT_MS}. */
  customerTimeoutMs?: number;
  /** Page size of the two listings, {@link MIN_PAGE_SIZE}–{@link MAX_PAGE_SIZE}; default {@link DEFAULT_PAGE_SIZE}. */
  pageSize?: number;
  /** Spots handled at once within a tick; default {@link DEFAULT_CONCURRENCY}. */
  concurrency?: number;
  /** Only this location's spots (default: all). */
  locationId?: Id;
  /** First pause before an event whose `onEvent` failed is delivered again; it doubles, with
   * jitter, up to `eventRetryMaxMs`. Defaults {@link DEFAULT_EVENT_RETRY_MS} and
   * {@link DEFAULT_EVENT_RETRY_MAX_MS}. */
  eventRetryMs?: number;
  eventRetryMaxMs?: number;
  /** Set as `callback_uri` on the transactions the cashier creates: pass what Paysera posts
   * there to `handleCallback()` and the cashier acts at once instead of at its next poll
   * (default: none, polling alone). */
  callbackUri?: string;
}

type Reply = { ok: unknown } | { error: string };

/** Text of whatever a handler threw (any value, from any realm). */
function describe(error: unknown): string {
  try {
    const e = error as { name?: unknown; message?: unknown } | null;
    if (typeof e?.message === 'string') {
      return typeof e.name === 'string' && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message;
    }
    return String(error);
  } catch {
    return 'a value that cannot be shown';
  }
}

/** The native side calls this wrapper: it always resolves, to `{ ok }` or `{ error }`, so a
 * handler's failure travels as data and the engine reports it as an `error` event. */
function wrap<A>(owner: object, f: (arg: A) => unknown, keep: boolean): (arg: A) => Promise<Reply> {
  return async (arg: A) => {
    try {
      const value: unknown = await Reflect.apply(f, owner, [arg]);
      return { ok: keep ? (value ?? null) : null };
    } catch (error) {
      return { error: describe(error) };
    }
  };
}

function storeUrl(store: CashierOptions['store']): string {
  if (store == null) return 'memory';
  // A bare word is a typo more often than a file name: paths go in `{ file }`. Other schemes
  // reach the core, which names the ones it knows.
  if (typeof store === 'string' && (store === 'memory' || store.includes('://'))) return store;
  if (typeof store === 'object' && typeof store.file === 'string') return store.file;
  throw new InvalidInputError(
    "store must be a URL ('memory', 'sqlite:///path/cashier.db', 'postgres://user:pass@host:port/db') or { file: '/path/cashier.db' }",
  );
}

/**
 * The Scan and Pay cashier over a `Client`. Its work (requests, store writes, the loop) runs on
 * the Rust core's threads; only your `price`, `onEvent` and `adjust` run on the event loop. A
 * handler that throws or rejects is reported as an `error` event and the cashier carries on; an
 * `onEvent` that fails gets the event again on a later tick (at least once, in order per spot).
 */
export class Cashier {
  readonly #native: native.Cashier;

  constructor(client: Client, options: CashierOptions) {
    const o = options;
    if (typeof o?.price !== 'function') throw new InvalidInputError('price must be a function');
    if (typeof o.onEvent !== 'function') throw new InvalidInputError('onEvent must be a function');
    if (o.adjust != null && typeof o.adjust !== 'function') throw new InvalidInputError('adjust must be a function');
    const inner = nativeClient(client);
    const store = storeUrl(o.store);
    this.#native = sync(
      () =>
        new native.Cashier(
          inner,
          wrap(o, o.price, true),
          wrap(o, o.onEvent, false),
          o.adjust == null ? undefined : wrap(o, o.adjust, true),
          {
            pollIntervalMs: o.pollIntervalMs,
            requestsPerMinute: o.requestsPerMinute,
            customerTimeoutMs: o.customerTimeoutMs,
            pageSize: o.pageSize,
            concurrency: o.concurrency,
            locationId: o.locationId,
            eventRetryMs: o.eventRetryMs,
            eventRetryMaxMs: o.eventRetryMaxMs,
            store,
            callbackUri: o.callbackUri,
            leaseTtlMs: o.leaseTtlMs,
            wakeIntervalMs: o.wakeIntervalMs,
          },
        ),
    );
  }

  /** One tick: finish what was left mid-way, read one page of waiting spots and one of reserved
   * transactions, act on them, revoke orders ignored too long. Aborting `signal` rejects with
   * its reason and drops the tick where it is; the store keeps what was started and the next
   * tick (or a new cashier over the same store) finishes it. */
  runOnce(options: CallOptions = {}): Promise<TickReport> {
    return call(options.signal, (t) => this.#native.runOnce(t));
  }

  /** Ticks every `pollIntervalMs` (at once while more pages of waiting spots or reserved
   * transactions remain and the budget can spare them) in the background until `stop()` or
   * until `signal` aborts;
   * the Promise resolves once the loop has ended (after the step in progress). A failing tick
   * (Paysera down, rate limited) is retried after a backoff; it never rejects for that. */
  start(options: CallOptions = {}): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) return Promise.resolve();
    let running: Promise<void>;
    try {
      running = this.#native.start();
    } catch (error) {
      return Promise.reject(fromNative(error));
    }
    if (signal == null) return running.catch((error: unknown) => Promise.reject(fromNative(error)));
    const onAbort = () => this.stop();
    signal.addEventListener('abort', onAbort, { once: true });
    return running.then(
      () => signal.removeEventListener('abort', onAbort),
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        throw fromNative(error);
      },
    );
  }

  /** Takes the raw form body Paysera posted to `callbackUri` (Express:
   * `express.raw({ type: 'application/x-www-form-urlencoded' })`), verifies its signature and
   * wakes the running cashier to act on its transaction now. Resolves `true` when genuine,
   * `false` when refused (forged, unsigned, already handled, or not this cashier's
   * transaction: logged, nothing changed); rejects only when Paysera's public key cannot be
   * fetched (answer 5xx; polling covers it). */
  handleCallback(body: string | Buffer, options: CallOptions = {}): Promise<boolean> {
    return call(options.signal, (t) => this.#native.handleCallback(body, t));
  }

  /** Ends `start()`'s loop after its current step. */
  stop(): void {
    this.#native.stop();
  }

  /** True while `start()` or `runOnce()` is in progress (one at a time per cashier). */
  get running(): boolean {
    return this.#native.running;
  }

  /** The cashier's health now, for a `/healthz` endpoint or metrics: its role among replicas,
   * ticks, consecutive errors, open check-ins, undelivered events and the request budget. */
  stats(): CashierStats {
    return sync(() => this.#native.stats());
  }

  /** Check-ins in progress, as this cashier knows them (empty on a standby replica). */
  records(): CashierRecord[] {
    return sync(() => this.#native.records());
  }

  /** Events `onEvent` has not acknowledged yet (it threw, or was not called yet), oldest first,
   * with their failed `attempts`, `last_error` and `next_attempt_at_ms`. */
  undelivered(): UndeliveredEvent[] {
    return sync(() => this.#native.undelivered());
  }
}
