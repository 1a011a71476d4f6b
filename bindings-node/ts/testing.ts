/**
 * `paysera-scanpay/testing`: the in-process Paysera simulator for your tests.
 *
 * ```ts
 * const sandbox = await Sandbox.start();
 * const spot = sandbox.createSpot(1, 'table1');
 * sandbox.scan(spot.id);                 // a customer scans the table's code
 * const client = sandbox.client();       // a Client pointed at the sandbox
 * // ... your code creates a transaction and attaches it to the spot ...
 * sandbox.confirm(transactionKey);       // the customer confirms in the app
 * await sandbox.stop();
 * ```
 */
import { inspect } from 'node:util';

import { Client, type ClientOptions } from './client';
import { sync } from './errors';
import type { Id, PlaceInfo, Spot, Transaction } from './models';
import native = require('./native');

/** The port `npx paysera-scanpay sandbox` (and the other sandbox commands) listen on by default. */
export const DEFAULT_PORT: number = native.SANDBOX_DEFAULT_PORT;

export interface SandboxOptions {
  /** Default `127.0.0.1`. Bound to any other address, the control plane requires a token. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Registered merchants; Paysera's published sample credentials when empty. */
  clients?: ReadonlyArray<{ clientId: string; macKey: string }>;
  /** Accepted clock skew of `ts`, seconds either way; default 300. */
  timestampWindow?: number;
  /** The `project_id` of created transactions. */
  projectId?: number;
  /**
   * The control plane's token (`A-Z a-z 0-9 - . _ ~`). Default: generated when `host` is not
   * loopback, none on loopback. When given, it is required on loopback too.
   */
  token?: string;
}

/** What the sandbox does to matching requests. */
export type FaultRule = (
  | { kind: 'error'; status: number; code?: string; description?: string }
  | { kind: 'rate_limit'; retryAfter?: number }
  | { kind: 'delay'; ms: number }
  | { kind: 'drop' }
  | { kind: 'apply_then_drop' }
  | { kind: 'truncate' }
  | { kind: 'malformed' }
) & {
  /** Only requests with this method. */
  method?: string;
  /** Only requests whose path (without query) contains this text. */
  path?: string;
  /** Hit the next `count` matching requests (default 1 without `probability`). */
  count?: number;
  /** Hit each matching request with this probability, from a generator seeded by `seed`. */
  probability?: number;
  seed?: number;
};

/** One request the sandbox received. */
export interface JournalEntry {
  seq: number;
  method: string;
  /** Path and query as received. */
  path: string;
  client_id: string | null;
  ts: string | null;
  nonce: string | null;
  ext: string | null;
  /** 0 when the connection was dropped instead. */
  status: number;
  error: string | null;
  fault: string | null;
  correlation_id: string;
}

/** A callback the sandbox POSTed (or tried to). */
export interface CallbackRecord {
  uri: string;
  event_type: string;
  transaction_key: string;
  /** The exact `event` string sent (what `sign` covers). */
  event: string;
  sign: string;
  status: number | null;
  error: string | null;
}

/**
 * A stateful Paysera Wallet API simulator on a loopback port, in this process: real MAC
 * authentication, Paysera's state machines, the customer's side of the flow, faults on demand
 * and a journal of requests. Start one per test file (`beforeAll`) or per test; it costs a
 * millisecond.
 */
export class Sandbox {
  readonly #native: native.Sandbox;

  private constructor(inner: native.Sandbox) {
    this.#native = inner;
  }

  static async start(options: SandboxOptions = {}): Promise<Sandbox> {
    const config: Record<string, unknown> = {};
    if (options.host != null) config.host = options.host;
    if (options.port != null) config.port = options.port;
    if (options.clients != null)
      config.clients = options.clients.map((c) => ({ client_id: c.clientId, mac_key: c.macKey }));
    if (options.timestampWindow != null) config.timestamp_window = options.timestampWindow;
    if (options.projectId != null) config.project_id = options.projectId;
    if (options.token != null) config.token = options.token;
    try {
      return new Sandbox(await native.Sandbox.start(config));
    } catch (error) {
      throw sync(() => {
        throw error;
      });
    }
  }

  /** `http://127.0.0.1:PORT`: the `baseUrl` for a `Client`. */
  get baseUrl(): string {
    return sync(() => this.#native.baseUrl);
  }

  /** The first registered merchant's id. */
  get clientId(): string {
    return sync(() => this.#native.clientId);
  }

  /** The first registered merchant's MAC key (Paysera's public sample key by default). */
  get macKey(): string {
    return sync(() => this.#native.macKey);
  }

  /** `{ clientId, macKey, baseUrl }`: spread it into your app's Paysera settings. */
  get credentials(): { clientId: string; macKey: string; baseUrl: string } {
    return { clientId: this.clientId, macKey: this.macKey, baseUrl: this.baseUrl };
  }

  /**
   * The token the control plane (`/_sandbox/...`) requires, or `null` on loopback: send it as
   * `Authorization: Bearer <token>`, `X-Sandbox-Token` or `?token=`.
   */
  get token(): string | null {
    return sync(() => this.#native.token ?? null);
  }

  /** What `npx paysera-scanpay sandbox` prints: base URL, credentials, dashboard, token. */
  get banner(): string[] {
    return sync(() => this.#native.banner);
  }

  /** The PEM public key that verifies this sandbox's callbacks (also served at `/publickey`). */
  get publicKeyPem(): string {
    return sync(() => this.#native.publicKeyPem);
  }

  /** False once stopped. */
  get running(): boolean {
    return this.#native.running;
  }

  /** A `Client` for the first merchant, pointed at this sandbox. */
  client(options: Partial<ClientOptions> = {}): Client {
    return new Client({ ...this.credentials, ...options });
  }

  /** Creates or updates a location; its place info shows on its spots. */
  createLocation(locationId: Id, placeInfo: PlaceInfo = {}): PlaceInfo {
    return sync(() => this.#native.createLocation(locationId, placeInfo));
  }

  /** A free spot (table, till) printed as `PAYSERA*{locationId}:{identifier}`. */
  createSpot(locationId: Id, identifier: string, placeInfo: PlaceInfo = {}): Spot {
    return sync(() => this.#native.createSpot(locationId, identifier, placeInfo));
  }

  /** A customer scans the spot, given by id or by its QR code text: it becomes `waiting`. */
  scan(spot: Id, options: { userId?: Id } = {}): Spot {
    return sync(() => this.#native.scan(spot, options.userId));
  }

  /** The customer confirms in the app: `reserved` (or `confirmed` with `auto_confirm`). */
  confirm(transactionKey: string): Transaction {
    return sync(() => this.#native.confirm(transactionKey));
  }

  /** The customer declines in the app: `rejected`. */
  reject(transactionKey: string): Transaction {
    return sync(() => this.#native.reject(transactionKey));
  }

  /** Paysera gives up on it: `failed` while awaiting the customer, `revoked` once reserved. */
  expire(transactionKey: string): Transaction {
    return sync(() => this.#native.expire(transactionKey));
  }

  /** Moves the sandbox clock forward; returns the new sandbox time (Unix seconds). */
  advanceClock(seconds: number): number {
    return sync(() => this.#native.advanceClock(seconds));
  }

  /** The sandbox's current Unix time. */
  now(): number {
    return sync(() => this.#native.now());
  }

  /** Forgets every spot, transaction, request, fault, callback and the rate limit. */
  reset(): void {
    sync(() => this.#native.reset());
  }

  /** Every request received so far, oldest first. */
  requests(): JournalEntry[] {
    return sync(() => this.#native.requests());
  }

  /** Adds a fault rule; rules are checked in the order added. */
  injectFault(rule: FaultRule): void {
    const { retryAfter, ...rest } = rule as FaultRule & { retryAfter?: number };
    const wire: Record<string, unknown> = { ...rest };
    if (retryAfter != null) wire.retry_after = retryAfter;
    sync(() => this.#native.injectFault(wire));
  }

  clearFaults(): void {
    sync(() => this.#native.clearFaults());
  }

  /** At most `requests` per `perSeconds` per merchant (429 with `Retry-After` beyond); null lifts it. */
  setRateLimit(limit: { requests: number; perSeconds: number } | null): void {
    const wire = limit == null ? null : { requests: limit.requests, per_seconds: limit.perSeconds };
    sync(() => this.#native.setRateLimit(wire));
  }

  /** What every simulated customer does as soon as an order reaches their app: `'confirm'`,
   * `'reject'`, or null (the default) to wait for `confirm()`/`reject()`. For load tests. */
  setAutopilot(mode: 'confirm' | 'reject' | null): void {
    sync(() => this.#native.setAutopilot(mode));
  }

  /** Every transaction, in creation order. */
  transactions(): Transaction[] {
    return sync(() => this.#native.transactions());
  }

  /** Every spot, by id. */
  spots(): Spot[] {
    return sync(() => this.#native.spots());
  }

  /** Callbacks sent so far (delivery is asynchronous: poll for the one you expect). */
  callbacks(): CallbackRecord[] {
    return sync(() => this.#native.callbacks());
  }

  /** Stops serving; stopping twice is fine. */
  async stop(): Promise<void> {
    await this.#native.stop();
  }

  [inspect.custom](): string {
    return this.running ? `Sandbox { baseUrl: ${inspect(this.baseUrl)} }` : 'Sandbox { stopped }';
  }
}
