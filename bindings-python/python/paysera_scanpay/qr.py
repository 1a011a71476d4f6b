"""Paysera QR codes: build, parse and render.

>>> from paysera_scanpay import qr
>>> qr.spot_code(1, "table1")
'PAYSERA*1:table1'
>>> qr.parse("EVP000000000001").wallet_id
1

Invalid input raises ``InvalidQrCodeError`` (a ``ValueError``) whose message says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Literal, Union

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


@dataclass(frozen=True)
class TransactionCode:
    """``PAYSERA%{transaction_key}``: opens a transaction for confirmation."""

    code: str
    transaction_key: str
    kind: Literal["transaction"] = field(default="transaction", init=False)

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class SpotCode:
    """``PAYSERA*{location_id}:{identifier}``: a static spot (table, till)."""

    code: str
    location_id: int
    identifier: str
    kind: Literal["spot"] = field(default="spot", init=False)

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class WalletCode:
    """``EVP{wallet_id:012}``: a payment form to a wallet."""

    code: str
    wallet_id: int
    kind: Literal["wallet"] = field(default="wallet", init=False)

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class AppLinkCode:
    """``https://paysera.com/app?qr={inner}``: another code, wrapped for other scanners."""

    code: str
    inner: Union[TransactionCode, SpotCode, WalletCode]
    kind: Literal["app_link"] = field(default="app_link", init=False)

    def __str__(self) -> str:
        return self.code


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
