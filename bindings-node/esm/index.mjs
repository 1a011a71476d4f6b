// ESM entry: the same objects as the CommonJS build, so classes (and `instanceof`) are shared.
import cjs from '../dist/index.js';

export const {
  ApiError,
  AuthenticationError,
  Cashier,
  Client,
  DEFAULT_BASE_URL,
  DecodeError,
  InvalidInputError,
  InvalidParametersError,
  InvalidQrCodeError,
  InvalidStateError,
  InternalError,
  IoError,
  LifecycleError,
  MacSigner,
  NotFoundError,
  PayseraError,
  PRODUCTION_BASE_URL,
  RateLimitError,
  SANDBOX_BASE_URL,
  StoreError,
  TimeoutError,
  TransportError,
  parseCallbackForm,
  qr,
  setLogger,
  verifyCallback,
  verifyCallbackEvent,
} = cjs;
export default cjs;
