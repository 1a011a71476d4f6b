"""QR codes: build, parse, render and every kind of rejection."""

from __future__ import annotations

import pickle
import struct
import zlib

import pytest
from paysera_scanpay import InvalidInputError, InvalidQrCodeError, PayseraError, qr


def test_build_every_template() -> None:
    assert qr.spot_code(1, "table1") == "PAYSERA*1:table1"
    assert qr.spot_code(7, "bar:2") == "PAYSERA*7:bar:2"
    assert qr.transaction_code("ATaNL6X6CivO2Ou0FMPt") == "PAYSERA%ATaNL6X6CivO2Ou0FMPt"
    assert qr.wallet_code(1) == "EVP000000000001"
    assert qr.app_link("PAYSERA*1:table1") == "https://paysera.com/app?qr=PAYSERA%2A1%3Atable1"


def test_parse_gives_a_typed_result() -> None:
    spot = qr.parse("PAYSERA*1:table1")
    assert isinstance(spot, qr.SpotCode)
    assert (spot.kind, spot.location_id, spot.identifier, str(spot)) == (
        "spot",
        1,
        "table1",
        "PAYSERA*1:table1",
    )
    tx = qr.parse("PAYSERA%ATaNL6X6CivO2Ou0FMPt")
    assert isinstance(tx, qr.TransactionCode) and tx.transaction_key == "ATaNL6X6CivO2Ou0FMPt"
    wallet = qr.parse("EVP000000000042")
    assert isinstance(wallet, qr.WalletCode) and wallet.wallet_id == 42 and wallet.kind == "wallet"
    link = qr.parse("https://paysera.com/app?qr=PAYSERA%2A1%3Atable1")
    assert isinstance(link, qr.AppLinkCode) and link.kind == "app_link"
    assert link.inner == spot
    assert pickle.loads(pickle.dumps(link)) == link and hash(link) == hash(qr.parse(link.code))
    assert repr(wallet) == "WalletCode(code='EVP000000000042', wallet_id=42)"
    with pytest.raises(AttributeError):
        wallet.wallet_id = 1
    # parse(build(x)) == x, and the result renders back to the same code
    for code in ("PAYSERA*3:t", "PAYSERA%abc", "EVP999999999999", qr.app_link("EVP000000000001")):
        assert qr.parse(code).code == code


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("", "empty"),
        (" PAYSERA*1:t", "whitespace"),
        ("EVP1", "zero-padded to 12 digits"),
        ("PAYSERA*x:table1", 'location id "x" must contain only digits'),
        ("PAYSERA*0:t", "location id"),
        ("PAYSERA%ab-c", "key"),
        ("HELLO", "PAYSERA%"),
        ("https://paysera.com/app?qr=https%3A%2F%2Fpaysera.com%2Fapp%3Fqr%3DEVP000000000001", "app link"),
    ],
)
def test_parse_rejects_with_the_reason(code: str, reason: str) -> None:
    with pytest.raises(InvalidQrCodeError) as info:
        qr.parse(code)
    assert reason in str(info.value)
    assert info.value.reason == str(info.value)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, InvalidInputError) and isinstance(info.value, PayseraError)
    assert info.value.code == "invalid_qr_code"


def test_builders_reject_with_the_reason() -> None:
    with pytest.raises(InvalidQrCodeError, match="whitespace"):
        qr.spot_code(1, "table 1")
    with pytest.raises(InvalidQrCodeError, match="location id"):
        qr.spot_code(0, "t")
    with pytest.raises(InvalidQrCodeError, match="must be positive"):
        qr.spot_code(-1, "t")
    with pytest.raises(InvalidQrCodeError):
        qr.wallet_code(1_000_000_000_000)
    with pytest.raises(InvalidQrCodeError, match="must be positive"):
        qr.wallet_code(-5)
    with pytest.raises(InvalidQrCodeError):
        qr.transaction_code("")
    with pytest.raises(InvalidQrCodeError, match="app link"):
        qr.app_link(qr.app_link("EVP000000000001"))


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", png[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", png[16:24])
    crc = struct.unpack(">I", png[29:33])[0]
    assert crc == zlib.crc32(png[12:29])
    return width, height


def test_render_svg_and_png() -> None:
    code = qr.spot_code(1, "table1")
    svg = qr.to_svg(code)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    png = qr.to_png(code)
    width, height = _png_size(png)
    assert width == height and width % 8 == 0  # default 8 px per module
    small = qr.to_png(qr.parse(code), module_size=2, quiet_zone=1)
    assert _png_size(small)[0] < width
    with pytest.raises(InvalidQrCodeError):
        qr.to_svg("not a code")
    with pytest.raises(InvalidQrCodeError, match="module size"):
        qr.to_png(code, module_size=0)
