"""Paysera QR codes: build, parse and render.

>>> from paysera_scanpay import qr
>>> qr.spot_code(1, "table1")
'PAYSERA*1:table1'
>>> qr.parse("EVP000000000001").wallet_id
1

Invalid input raises ``InvalidQrCodeError`` (a ``ValueError``) whose message says why.
"""

from __future__ import annotations

from typing import Any, Dict, Literal, Tuple, Union

from . import _native
from .errors import InvalidQrCodeError

__all__ = [
    "AppLinkCode",
    "InvalidQrCodeError",
    "ParsedCode",
    "SpotCode",
    "TransactionCode",
    "WalletCode",
    "app_link",
    "parse",
    "spot_code",
    "to_png",
    "to_svg",
    "transaction_code",
    "wallet_code",
]


class _Code:
    """An immutable parsed code; equal when kind and fields are equal."""

    __slots__: Tuple[str, ...] = ()  # in constructor order
    kind: str

    def _fields(self) -> Tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _Code)
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash((type(self), self._fields()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def __str__(self) -> str:
        code: str = getattr(self, "code")  # noqa: B009 - every subclass has a code slot
        return code

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), self._fields())


class TransactionCode(_Code):
    """``PAYSERA%{transaction_key}``: opens a transaction for confirmation."""

    __slots__ = ("code", "transaction_key")
    kind: Literal["transaction"] = "transaction"
    code: str
    transaction_key: str

    def __init__(self, code: str, transaction_key: str) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "transaction_key", transaction_key)


class SpotCode(_Code):
    """``PAYSERA*{location_id}:{identifier}``: a static spot (table, till)."""

    __slots__ = ("code", "location_id", "identifier")  # noqa: RUF023 - constructor order
    kind: Literal["spot"] = "spot"
    code: str
    location_id: int
    identifier: str

    def __init__(self, code: str, location_id: int, identifier: str) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "location_id", location_id)
        object.__setattr__(self, "identifier", identifier)


class WalletCode(_Code):
    """``EVP{wallet_id:012}``: a payment form to a wallet."""

    __slots__ = ("code", "wallet_id")
    kind: Literal["wallet"] = "wallet"
    code: str
    wallet_id: int

    def __init__(self, code: str, wallet_id: int) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "wallet_id", wallet_id)


class AppLinkCode(_Code):
    """``https://paysera.com/app?qr={inner}``: another code, wrapped for other scanners."""

    __slots__ = ("code", "inner")
    kind: Literal["app_link"] = "app_link"
    code: str
    inner: Union[TransactionCode, SpotCode, WalletCode]

    def __init__(self, code: str, inner: Union[TransactionCode, SpotCode, WalletCode]) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "inner", inner)


ParsedCode = Union[TransactionCode, SpotCode, WalletCode, AppLinkCode]


def _typed(data: Dict[str, Any]) -> ParsedCode:
    kind = data["kind"]
    if kind == "transaction":
        return TransactionCode(data["code"], data["transaction_key"])
    if kind == "spot":
        return SpotCode(data["code"], data["location_id"], data["identifier"])
    if kind == "wallet":
        return WalletCode(data["code"], data["wallet_id"])
    inner = _typed(data["inner"])
    assert not isinstance(inner, AppLinkCode)
    return AppLinkCode(data["code"], inner)


def spot_code(location_id: int, identifier: str) -> str:
    """``PAYSERA*{location_id}:{identifier}``, the code printed at a table or till."""
    return _native.qr_spot(location_id, identifier)


def transaction_code(key: str) -> str:
    """``PAYSERA%{key}``."""
    return _native.qr_transaction(key)


def wallet_code(wallet_id: int) -> str:
    """``EVP{wallet_id}``, the id zero-padded to 12 digits."""
    return _native.qr_wallet(wallet_id)


def app_link(code: Union[str, ParsedCode]) -> str:
    """``https://paysera.com/app?qr=...`` wrapping a (valid, non app link) code."""
    return _native.qr_app_link(str(code))


def parse(code: str) -> ParsedCode:
    """Parses a code strictly (nothing is trimmed); ``.kind`` says which template it is."""
    return _typed(_native.qr_parse(code))


def to_svg(code: Union[str, ParsedCode], *, module_size: int = 8, quiet_zone: int = 4) -> str:
    """The code as a printable SVG image (``module_size`` pixels per module, ``quiet_zone``
    modules of white border)."""
    return _native.qr_svg(str(code), module_size, quiet_zone)


def to_png(code: Union[str, ParsedCode], *, module_size: int = 8, quiet_zone: int = 4) -> bytes:
    """The code as a PNG image."""
    return _native.qr_png(str(code), module_size, quiet_zone)
