/**
 * One error tree for everything the library throws, the same as the Python package's:
 *
 * ```text
 * PayseraError
 * ├── ApiError                 Paysera answered with an error status
 * │   ├── InvalidStateError    409 invalid_state (never retried)
 * │   ├── NotFoundError        404 not_found
 * │   ├── AuthenticationError  401 unauthorized / invalid_timestamp, invalid_grant
 * │   ├── InvalidParametersError  400 invalid_parameters / invalid_request
 * │   └── RateLimitError       429 rate_limit_exceeded
 * ├── TransportError           no response (connection refused, reset, dropped)
 * │   └── TimeoutError         no complete response in time
 * ├── DecodeError              a response that is not what the API promises
 * ├── InvalidInputError        arguments the API would reject; nothing was sent
 * │   └── InvalidQrCodeError   a QR code that is not a valid Paysera code
 * ├── LifecycleError           stopped sandbox, cashier already running
 * ├── IoError                  a local I/O failure, e.g. the sandbox cannot bind its port
 * │   └── StoreError           the cashier's store cannot be reached, read or written
 * └── InternalError            a bug in this package: please report it
 * ```
 *
 * The Rust core classifies every error once: it gives each its `kind` and fields, and `CLASSES`
 * below maps the kind to its class. An API error's kind comes from Paysera's `error` code, else
 * from the HTTP status (401, 404, 409, 429). `tests/data/errors.json` holds the contract that the
 * Node and Python packages both pass. Messages come from the core, whose error texts never
 * contain the MAC key or an Authorization header.
 */

import native = require('./native');

export interface PayseraErrorFields {
  code?: string;
  statusCode?: number;
  description?: string;
  correlationId?: string;
  retryable?: boolean;
  outcomeUnknown?: boolean;
  method?: string;
  path?: string;
}

export class PayseraError extends Error {
  /** Stable machine-readable code: Paysera's `error` (`invalid_state`, ...) or `transport_error`,
   * `timeout`, `decode_error`, `invalid_input`, `invalid_qr_code`, `lifecycle_error`,
   * `io_error`, `store_error`, `internal_error`. */
  readonly code: string;
  /** HTTP status, when a response arrived. */
  readonly statusCode?: number;
  /** Paysera's `error_description`. */
  readonly description?: string;
  /** The `paysera-correlation-id` response header: quote it to Paysera support. */
  readonly correlationId?: string;
  /** True only when sending the same request again cannot apply it twice. */
  readonly retryable: boolean;
  /** True when Paysera may have applied the request although no success was seen: reconcile
   * (read the state back) before trying again. */
  readonly outcomeUnknown: boolean;
  /** The request's method and path (never its headers), when a request was involved. */
  readonly method?: string;
  readonly path?: string;

  constructor(message: string, fields: PayseraErrorFields = {}) {
    super(message);
    this.name = new.target.name;
    this.code = fields.code ?? 'paysera_error';
    if (fields.statusCode != null) this.statusCode = fields.statusCode;
    if (fields.description != null) this.description = fields.description;
    if (fields.correlationId != null) this.correlationId = fields.correlationId;
    this.retryable = fields.retryable ?? false;
    this.outcomeUnknown = fields.outcomeUnknown ?? false;
    if (fields.method != null) this.method = fields.method;
    if (fields.path != null) this.path = fields.path;
  }
}

export interface ApiErrorFields extends PayseraErrorFields {
  properties?: Record<string, unknown>;
  data?: unknown;
  errorUri?: string;
  retryAfterMs?: number;
}

export class ApiError extends PayseraError {
  declare readonly statusCode: number;
  /** `error_properties`: which parameters were wrong, for `invalid_parameters`. */
  readonly properties?: Record<string, unknown>;
  /** Paysera's `error_data` and `error_uri`. */
  readonly data?: unknown;
  readonly errorUri?: string;
  /** `Retry-After`, in milliseconds, on 429 and 503. */
  readonly retryAfterMs?: number;

  constructor(message: string, fields: ApiErrorFields = {}) {
    super(message, fields);
    if (fields.properties != null) this.properties = fields.properties;
    if (fields.data != null) this.data = fields.data;
    if (fields.errorUri != null) this.errorUri = fields.errorUri;
    if (fields.retryAfterMs != null) this.retryAfterMs = fields.retryAfterMs;
  }
}

export interface TimeoutErrorFields extends PayseraErrorFields {
  timeoutMs?: number;
}

export class InvalidStateError extends ApiError {}
export class NotFoundError extends ApiError {}
export class AuthenticationError extends ApiError {}
export class InvalidParametersError extends ApiError {}
export class RateLimitError extends ApiError {}
export class TransportError extends PayseraError {}
export class TimeoutError extends TransportError {
  /** The timeout that expired, in milliseconds. */
  readonly timeoutMs?: number;

  constructor(message: string, fields: TimeoutErrorFields = {}) {
    super(message, fields);
    if (fields.timeoutMs != null) this.timeoutMs = fields.timeoutMs;
  }
}
export class DecodeError extends PayseraError {}
export class InvalidInputError extends PayseraError {}
export class InvalidQrCodeError extends InvalidInputError {}
/** The object cannot do this now: the sandbox is stopped, the cashier already running. */
export class LifecycleError extends PayseraError {}
/** A local operating-system failure outside any request (the sandbox cannot bind its port). */
export class IoError extends PayseraError {}
/** The cashier's store cannot be reached, read or written (permissions, disk full, a database down, a corrupt entry), or its lease was lost. */
export class StoreError extends IoError {}
/** Something that should not happen did: a bug worth reporting. */
export class InternalError extends PayseraError {}

/** Marks a native error envelope; keep in sync with `src/error.rs`. */
const MARK = '\u0001paysera-scanpay:';

type ErrorClass = new (message: string, fields: ApiErrorFields & TimeoutErrorFields) => PayseraError;

/** The core's error kinds (`ErrorKind` in core/src/error.rs), each to its class. */
const CLASSES: Record<string, ErrorClass> = {
  api: ApiError,
  invalid_state: InvalidStateError,
  not_found: NotFoundError,
  authentication: AuthenticationError,
  invalid_parameters: InvalidParametersError,
  rate_limit: RateLimitError,
  transport: TransportError,
  timeout: TimeoutError,
  decode: DecodeError,
  invalid_input: InvalidInputError,
  invalid_qr: InvalidQrCodeError,
  lifecycle: LifecycleError,
  io: IoError,
  store: StoreError,
  internal: InternalError,
};

/** The core's `ErrorInfo`, as the native layer forwards it (null for absent). */
interface Envelope {
  kind: string;
  message: string;
  code?: string | null;
  status?: number | null;
  correlation_id?: string | null;
  retryable?: boolean | null;
  outcome_unknown?: boolean | null;
  retry_after_ms?: number | null;
  method?: string | null;
  path?: string | null;
  timeout_ms?: number | null;
  description?: string | null;
  error_uri?: string | null;
  properties?: Record<string, unknown> | null;
  data?: unknown;
}

/** The message of a native error envelope, else undefined. Duck-typed: napi creates errors in
 * the addon's realm, which is not the caller's under jest or `vm`. */
function envelope(error: unknown): string | undefined {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message.startsWith(MARK) ? message.slice(MARK.length) : undefined;
}

/** True for the native error of a call cancelled through its `AbortSignal`. */
export function isAbort(error: unknown): boolean {
  return envelope(error)?.startsWith('{"kind":"aborted"') ?? false;
}

/** Turns a native error into the matching `PayseraError` subclass; anything else passes through. */
export function fromNative(error: unknown): unknown {
  const text = envelope(error);
  if (text === undefined) return error;
  const e = JSON.parse(text) as Envelope;
  const Class = CLASSES[e.kind] ?? PayseraError;
  const fields: ApiErrorFields & TimeoutErrorFields = {
    code: e.code ?? undefined,
    statusCode: e.status ?? undefined,
    correlationId: e.correlation_id ?? undefined,
    retryable: e.retryable ?? undefined,
    outcomeUnknown: e.outcome_unknown ?? undefined,
    method: e.method ?? undefined,
    path: e.path ?? undefined,
    description: e.description ?? undefined,
    errorUri: e.error_uri ?? undefined,
    properties: e.properties ?? undefined,
    data: e.data ?? undefined,
    retryAfterMs: e.retry_after_ms ?? undefined,
    timeoutMs: e.timeout_ms ?? undefined,
  };
  return new Class(e.message, fields);
}

/** Calls a synchronous native function, converting what it throws. */
export function sync<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    throw fromNative(error);
  }
}

/**
 * The error the core error described by `record` becomes, through the same path as real
 * errors (`Error::from_record` in the core; `tests/data/errors.json` holds examples). For the
 * error-contract tests; not part of the public API.
 * @internal
 */
export function errorForTest(record: object): PayseraError {
  try {
    native.errorForTest(JSON.stringify(record));
  } catch (error) {
    const converted = fromNative(error);
    if (converted instanceof PayseraError) return converted;
    throw converted; // a record the core refused
  }
  throw new Error('errorForTest: the native call did not fail');
}
