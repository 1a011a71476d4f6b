"""Paysera Wallet API "Scan and Pay": exact MAC signing, typed models, QR codes, callback
verification, sync/asyncio clients and the cashier (the whole merchant loop), over a Rust core.

Importing the package is cheap: names are loaded on first use, and no runtime, thread or HTTP
client exists until the first request.
"""

__version__ = "0.1.0"

_LAZY = {
    "Cashier": "cashier",
    "AsyncCashier": "cashier",
    "CashierRecord": "cashier",
    "CashierStats": "cashier",
    "Event": "cashier",
    "EventKind": "cashier",
    "TickReport": "cashier",
    "UndeliveredEvent": "cashier",
    "Client": "client",
    "AsyncClient": "client",
    "DEFAULT_BASE_URL": "client",
    "DEFAULT_CONNECT_TIMEOUT": "client",
    "DEFAULT_DEADLINE": "client",
    "DEFAULT_PAGE_SIZE": "client",
    "DEFAULT_RETRIES": "client",
    "DEFAULT_TIMEOUT": "client",
    "MAX_PAGE_SIZE": "client",
    "MIN_PAGE_SIZE": "client",
    "PRODUCTION_BASE_URL": "client",
    "SANDBOX_BASE_URL": "client",
    "MacSigner": "_native",
    "verify_callback": "callbacks",
    "CallbackVerifier": "callbacks",
    "parse_callback_form": "callbacks",
    "PayseraError": "errors",
    "ApiError": "errors",
    "InvalidStateError": "errors",
    "NotFoundError": "errors",
    "AuthenticationError": "errors",
    "InvalidParametersError": "errors",
    "RateLimitError": "errors",
    "TransportError": "errors",
    "TimeoutError": "errors",
    "DecodeError": "errors",
    "InvalidInputError": "errors",
    "InvalidQrCodeError": "errors",
    "LifecycleError": "errors",
    "IoError": "errors",
    "StoreError": "errors",
    "InternalError": "errors",
    "Allowance": "models",
    "AllowanceLimit": "models",
    "AllowanceStatus": "models",
    "CallbackEvent": "models",
    "CheckIn": "models",
    "Freeze": "models",
    "Item": "models",
    "Metadata": "models",
    "Money": "models",
    "Order": "models",
    "OrderStatus": "models",
    "Payment": "models",
    "PaymentStatus": "models",
    "PlaceInfo": "models",
    "Reserve": "models",
    "Spot": "models",
    "SpotList": "models",
    "SpotStatus": "models",
    "Transaction": "models",
    "TransactionAllowance": "models",
    "TransactionList": "models",
    "TransactionStatus": "models",
    "TransactionType": "models",
    "Validity": "models",
}
_SUBMODULES = ("callbacks", "cashier", "client", "errors", "models", "qr", "testing")

__all__ = [*sorted(_LAZY), "qr"]


def __getattr__(name):
    from importlib import import_module

    if name in _SUBMODULES:
        return import_module("." + name, __name__)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module("." + module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))
