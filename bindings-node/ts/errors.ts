/**
 * One error tree for everything the library throws, mirroring the Python package:
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
 * └── InvalidInputError        arguments the API would reject; nothing was sent
 *     └── InvalidQrCodeError   a QR code that is not a valid Paysera code
 * ```
 *
 * Messages come from the Rust core, whose error texts never contain the MAC key or an
 * Authorization header.
 */

export interface PayseraErrorFields {
  code?: string;
  statusCode?: number;
  description?: string;
  correlationId?: string;
  retryable?: boolean;
  outcomeUnknown?: boolean;
}

export class PayseraError extends Error {
  /** Stable machine-readable code: Paysera's `error` (`invalid_state`, ...) or `transport_error`,
   * `timeout`, `decode_error`, `invalid_input`, `invalid_qr_code`. */
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

  constructor(message: string, fields: PayseraErrorFields = {}) {
    super(message);
    this.name = new.target.name;
    this.code = fields.code ?? 'paysera_error';
    if (fields.statusCode != null) this.statusCode = fields.statusCode;
    if (fields.description != null) this.description = fields.description;
    if (fields.correlationId != null) this.correlationId = fields.correlationId;
    this.retryable = fields.retryable ?? false;
    this.outcomeUnknown = fields.outcomeUnknown ?? false;
  }
}

export interface ApiErrorFields extends PayseraErrorFields {
  method?: string;
  path?: string;
  properties?: Record<string, unknown>;
  retryAfterMs?: number;
}

export class ApiError extends PayseraError {
  declare readonly statusCode: number;
  /** The request's method and path (never its headers). */
  readonly method?: string;
  readonly path?: string;
  /** `error_properties`: which parameters were wrong, for `invalid_parameters`. */
  readonly properties?: Record<string, unknown>;
  /** `Retry-After`, in milliseconds, on 429 and 503. */
  readonly retryAfterMs?: number;

  constructor(message: string, fields: ApiErrorFields = {}) {
    super(message, fields);
    if (fields.method != null) this.method = fields.method;
    if (fields.path != null) this.path = fields.path;
    if (fields.properties != null) this.properties = fields.properties;
    if (fields.retryAfterMs != null) this.retryAfterMs = fields.retryAfterMs;
  }
}

export class InvalidStateError extends ApiError {}
export class NotFoundError extends ApiError {}
export class AuthenticationError extends ApiError {}
export class InvalidParametersError extends ApiError {}
export class RateLimitError extends ApiError {}
export class TransportError extends PayseraError {}
export class TimeoutError extends TransportError {}
export class DecodeError extends PayseraError {}
export class InvalidInputError extends PayseraError {}
export class InvalidQrCodeError extends InvalidInputError {}

/** Marks a native error envelope; keep in sync with `src/error.rs`. */
const MARK = '\u0001paysera-scanpay:';

const API_CLASSES: Record<string, typeof ApiError> = {
  invalid_state: InvalidStateError,
  not_found: NotFoundError,
  unauthorized: AuthenticationError,
  invalid_timestamp: AuthenticationError,
  invalid_grant: AuthenticationError,
  invalid_parameters: InvalidParametersError,
  invalid_request: InvalidParametersError,
  rate_limit_exceeded: RateLimitError,
};

const STATUS_CLASSES: Record<number, typeof ApiError> = {
  401: AuthenticationError,
  404: NotFoundError,
  409: InvalidStateError,
  429: RateLimitError,
};

interface Envelope extends ApiErrorFields {
  kind: string;
  message: string;
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
  const raw = JSON.parse(text) as Envelope;
  // The envelope uses null for "absent"; the error objects leave absent fields out.
  const e = Object.fromEntries(Object.entries(raw).filter(([, v]) => v != null)) as Envelope;
  switch (e.kind) {
    case 'api': {
      const Class = API_CLASSES[e.code ?? ''] ?? STATUS_CLASSES[e.statusCode ?? 0] ?? ApiError;
      return new Class(e.message, e);
    }
    case 'transport':
      return new TransportError(e.message, e);
    case 'timeout':
      return new TimeoutError(e.message, e);
    case 'decode':
      return new DecodeError(e.message, e);
    case 'qr':
      return new InvalidQrCodeError(e.message, e);
    default:
      return new InvalidInputError(e.message, e);
  }
}

/** Calls a synchronous native function, converting what it throws. */
export function sync<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    throw fromNative(error);
  }
}
