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
    └── InvalidInputError             rejected before sending (also a ValueError)
        └── InvalidQrCodeError        not a valid Paysera QR code
"""

from __future__ import annotations

import builtins
from typing import Any, Dict, Optional, Type

__all__ = [
    "ApiError",
    "AuthenticationError",
    "DecodeError",
    "InvalidInputError",
    "InvalidParametersError",
    "InvalidQrCodeError",
    "InvalidStateError",
    "NotFoundError",
    "PayseraError",
    "RateLimitError",
    "TimeoutError",
    "TransportError",
]


class PayseraError(Exception):
    """Base of every error this package raises.

    ``code`` is stable and machine-readable: Paysera's ``error`` for API errors, else
    ``transport_error``, ``timeout``, ``decode_error``, ``invalid_input`` or
    ``invalid_qr_code``. ``retryable`` is true only when sending the same request again cannot
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


_API_CLASSES: Dict[str, Type[ApiError]] = {
    "invalid_state": InvalidStateError,
    "not_found": NotFoundError,
    "unauthorized": AuthenticationError,
    "invalid_timestamp": AuthenticationError,
    "invalid_grant": AuthenticationError,
    "invalid_parameters": InvalidParametersError,
    "invalid_request": InvalidParametersError,
    "rate_limit_exceeded": RateLimitError,
}

_KINDS: Dict[str, Type[PayseraError]] = {
    "transport": TransportError,
    "timeout": TimeoutError,
    "decode": DecodeError,
    "invalid_input": InvalidInputError,
    "invalid_qr": InvalidQrCodeError,
}


def _from_native(fields: Dict[str, Any]) -> PayseraError:
    """Builds the exception for a core error (called by the native module)."""
    kind = fields.pop("kind")
    message = fields.pop("message")
    if kind == "api":
        cls = _API_CLASSES.get(fields.get("code") or "")
        if cls is None and fields.get("status") == 429:
            cls = RateLimitError
        return (cls or ApiError)(message, **fields)
    return _KINDS[kind](message, **fields)
