"""The exception tree. Every class pickles (Celery) and none shows a secret: messages come from
the core, which describes requests by method and path, never by their headers or keys.

    PayseraError
    ├── ApiError                      Paysera answered with an error status
    │   ├── InvalidStateError         409 invalid_state: not allowed in the current state
    │   ├── NotFoundError             404 not_found
    │   ├── AuthenticationError       401 unauthorized / invalid_timestamp, invalid_grant
    │   ├── InvalidParametersError    400 invalid_parameters / invalid_request
    │   └── RateLimitError            429 rate_limit_exceeded (retry_after)
    ├── TransportError                the request did not complete at the network level
    │   └── TimeoutError              no response in time (also a builtins.TimeoutError)
    ├── DecodeError                   a response arrived but is not what the API promises
    ├── InvalidInputError             rejected before sending (also a ValueError)
    │   └── InvalidQrCodeError        not a valid Paysera QR code
    ├── LifecycleError                closed client, stopped sandbox, cashier already running
    │                                 (also a RuntimeError)
    ├── IoError                       a local I/O failure, e.g. the sandbox cannot bind its port
    │   │                             (also an OSError)
    │   └── StoreError                the cashier's file store cannot be read or written
    └── InternalError                 a bug in this package: please report it (also a RuntimeError)

The Rust core classifies every error once: it gives each its ``kind`` and fields, and
``_CLASSES`` below maps the kind to its class. An API error's kind comes from Paysera's ``error``
code, else from the HTTP status (401, 404, 409, 429). ``tests/data/errors.json`` holds the contract
that the Python and Node packages both pass.
"""

from __future__ import annotations

import builtins
from typing import Any, Dict, Optional, Type

__all__ = [
    "ApiError",
    "AuthenticationError",
    "DecodeError",
    "InternalError",
    "InvalidInputError",
    "InvalidParametersError",
    "InvalidQrCodeError",
    "InvalidStateError",
    "IoError",
    "LifecycleError",
    "NotFoundError",
    "PayseraError",
    "RateLimitError",
    "StoreError",
    "TimeoutError",
    "TransportError",
]


class PayseraError(Exception):
    """Base of every error this package raises.

    ``code`` is stable and machine-readable: Paysera's ``error`` for API errors, else
    ``transport_error``, ``timeout``, ``decode_error``, ``invalid_input``, ``invalid_qr_code``,
    ``lifecycle_error``, ``io_error``, ``store_error`` or ``internal_error``. ``method`` and
    ``path`` name the request when one was involved (never its headers). ``retryable`` is true only when sending the same request again cannot
    apply it twice; ``outcome_unknown`` when Paysera may have applied it although no success was
    seen (reconcile by reading state before trying again).
    """

    default_code = "paysera_error"

    def __init__(
        self,
        message: str = "",
        *,
        code: Optional[str] = None,
        status: Optional[int] = None,
        correlation_id: Optional[str] = None,
        retryable: bool = False,
        outcome_unknown: bool = False,
        method: Optional[str] = None,
        path: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code: str = code or self.default_code
        self.status = status
        self.correlation_id = correlation_id
        self.retryable = retryable
        self.outcome_unknown = outcome_unknown
        self.method = method
        self.path = path

    def __str__(self) -> str:
        return self.message


class ApiError(PayseraError):
    """Paysera (or a proxy in front of it) answered with an error status.

    ``properties`` is Paysera's ``error_properties`` (which fields were wrong), ``data`` its
    ``error_data``; quote ``correlation_id`` to Paysera support.
    """

    default_code = "http_error"

    def __init__(
        self,
        message: str = "",
        *,
        description: Optional[str] = None,
        error_uri: Optional[str] = None,
        properties: Optional[Dict[str, Any]] = None,
        data: Any = None,
        retry_after: Optional[float] = None,
        **fields: Any,
    ) -> None:
        super().__init__(message, **fields)
        self.description = description
        self.error_uri = error_uri
        self.properties = properties
        self.data = data
        self.retry_after = retry_after


class InvalidStateError(ApiError):
    """409 ``invalid_state``: the action is not allowed in the resource's current state. A
    business conflict: never retried."""

    default_code = "invalid_state"


class NotFoundError(ApiError):
    """404 ``not_found``."""

    default_code = "not_found"


class AuthenticationError(ApiError):
    """401: unknown client, wrong MAC key or signature (``unauthorized``), or a clock Paysera
    rejects (``invalid_timestamp``, after one automatic re-sync); 400 ``invalid_grant``."""

    default_code = "unauthorized"


class InvalidParametersError(ApiError):
    """400 ``invalid_parameters`` (``properties`` names the fields) or ``invalid_request``."""

    default_code = "invalid_parameters"


class RateLimitError(ApiError):
    """429 ``rate_limit_exceeded``; ``retry_after`` is Paysera's ``Retry-After`` in seconds."""

    default_code = "rate_limit_exceeded"


class TransportError(PayseraError):
    """The request could not be completed at the network level. ``outcome_unknown`` says
    whether it may have reached Paysera."""

    default_code = "transport_error"


class TimeoutError(TransportError, builtins.TimeoutError):
    """No complete response within the timeout (``timeout``, seconds)."""

    default_code = "timeout"

    def __init__(self, message: str = "", *, timeout: Optional[float] = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.timeout = timeout

    def __str__(self) -> str:
        return self.message


class DecodeError(PayseraError):
    """A response arrived but its body is not what the API promises."""

    default_code = "decode_error"


class InvalidInputError(PayseraError, ValueError):
    """The arguments were rejected before anything was sent."""

    default_code = "invalid_input"


class InvalidQrCodeError(InvalidInputError):
    """Not a valid Paysera QR code; ``reason`` says why, quoting the offending part."""

    default_code = "invalid_qr_code"

    @property
    def reason(self) -> str:
        return self.message


class LifecycleError(PayseraError, RuntimeError):
    """The object cannot do this now: the client is closed, the sandbox stopped, the cashier
    already running, an awaitable already awaited."""

    default_code = "lifecycle_error"


class IoError(PayseraError, OSError):
    """A local operating-system failure outside any request, e.g. the sandbox cannot bind its
    port."""

    default_code = "io_error"

    def __str__(self) -> str:
        return self.message


class StoreError(IoError):
    """The cashier's store cannot be reached, read or written (permissions, disk full, a
    database down, a corrupt entry), or this cashier lost its lease on it. Nothing about the
    payments themselves is known to be wrong."""

    default_code = "store_error"


class InternalError(PayseraError, RuntimeError):
    """Something that should not happen did (a task ended without a result, a value could not
    be encoded): a bug worth reporting."""

    default_code = "internal_error"


# The core's error kinds (``ErrorKind`` in core/src/error.rs), each to its class.
_CLASSES: Dict[str, Type[PayseraError]] = {
    "api": ApiError,
    "invalid_state": InvalidStateError,
    "not_found": NotFoundError,
    "authentication": AuthenticationError,
    "invalid_parameters": InvalidParametersError,
    "rate_limit": RateLimitError,
    "transport": TransportError,
    "timeout": TimeoutError,
    "decode": DecodeError,
    "invalid_input": InvalidInputError,
    "invalid_qr": InvalidQrCodeError,
    "lifecycle": LifecycleError,
    "io": IoError,
    "store": StoreError,
    "internal": InternalError,
}

_API_ONLY = ("description", "error_uri", "properties", "data")


def _from_native(info: Dict[str, Any]) -> PayseraError:
    """Builds the exception for the core's ``ErrorInfo`` (called by the native module)."""
    fields = dict(info)
    cls = _CLASSES.get(fields.pop("kind"), PayseraError)
    message = fields.pop("message")
    retry_after_ms = fields.pop("retry_after_ms", None)
    timeout_ms = fields.pop("timeout_ms", None)
    api = {name: fields.pop(name, None) for name in _API_ONLY}
    if issubclass(cls, ApiError):
        api["retry_after"] = None if retry_after_ms is None else retry_after_ms / 1000
        return cls(message, **api, **fields)
    if issubclass(cls, TimeoutError):
        return cls(message, timeout=None if timeout_ms is None else timeout_ms / 1000, **fields)
    return cls(message, **fields)
