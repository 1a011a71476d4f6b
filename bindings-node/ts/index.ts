/**
 * `paysera-scanpay`: Paysera Wallet API (Scan and Pay) for Node, a thin layer over the Rust
 * core. See the README's Node section.
 */
export { verifyCallback, verifyCallbackEvent, parseCallbackForm } from './callback';
export { Cashier } from './cashier';
export type { Awaitable, CashierOptions, CashierRecord, CashierStats, Event, EventKind, Money, StoreUrl, TickReport, UndeliveredEvent } from './cashier';
export { Client, DEFAULT_BASE_URL, PRODUCTION_BASE_URL, SANDBOX_BASE_URL } from './client';
export type { CallOptions, ClientOptions, ConfirmOptions, ListSpotsOptions, ListTransactionsOptions } from './client';
export {
  DEFAULT_CONCURRENCY,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_CUSTOMER_TIMEOUT_MS,
  DEFAULT_EVENT_RETRY_MAX_MS,
  DEFAULT_LEASE_TTL_MS,
  DEFAULT_WAKE_INTERVAL_MS,
  DEFAULT_EVENT_RETRY_MS,
  DEFAULT_PAGE_SIZE,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_REQUESTS_PER_MINUTE,
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUT_MS,
  MAX_PAGE_SIZE,
  MIN_PAGE_SIZE,
} from './defaults';
export { setLogger } from './logging';
export type {
  ClientEvents,
  LogDestination,
  LogFields,
  LogLevel,
  LogRecord,
  Logger,
  LoggerOptions,
  RequestEvent,
  ResponseEvent,
  RetryEvent,
} from './logging';
export {
  ApiError,
  AuthenticationError,
  DecodeError,
  InvalidInputError,
  InvalidParametersError,
  InvalidQrCodeError,
  InvalidStateError,
  InternalError,
  IoError,
  LifecycleError,
  NotFoundError,
  PayseraError,
  RateLimitError,
  StoreError,
  TimeoutError,
  TransportError,
} from './errors';
export type { ApiErrorFields, PayseraErrorFields, TimeoutErrorFields } from './errors';
export { MacSigner } from './mac';
export type { ExtParams, Signature, SignRequest } from './mac';
export type * from './models';
export { qr } from './qr';
export type { QrCodeInfo, QrRenderOptions } from './qr';
