// ESM entry: the same objects as the CommonJS build, so classes (and `instanceof`) are shared.
import cjs from '../dist/index.js';

export const {
  ApiError,
  AuthenticationError,
  Cashier,
  Client,
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
  RateLimitError,
  StoreError,
  TimeoutError,
  TransportError,
  parseCallbackForm,
  qr,
  verifyCallback,
  verifyCallbackEvent,
} = cjs;
export default cjs;
