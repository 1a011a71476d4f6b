"""Client-side Paysera fidelity (issue 11): named hosts, and the Python papercuts."""

from __future__ import annotations

import json
import math
import socket
import time
from decimal import Decimal

import paysera_scanpay
import pytest
from paysera_scanpay import Client, MacSigner, Payment
from paysera_scanpay.testing import Sandbox


def test_named_base_urls_come_from_the_core() -> None:
    from paysera_scanpay import _native

    assert paysera_scanpay.PRODUCTION_BASE_URL == "https://wallet.paysera.com"
    assert paysera_scanpay.SANDBOX_BASE_URL == "https://wallet-sandbox.paysera.com"
    assert paysera_scanpay.DEFAULT_BASE_URL == paysera_scanpay.PRODUCTION_BASE_URL
    assert paysera_scanpay.SANDBOX_BASE_URL == _native.SANDBOX_BASE_URL


def test_client_built_with_a_named_host_reports_it() -> None:
    with Client("id", "key", base_url=paysera_scanpay.SANDBOX_BASE_URL) as sandbox:
        assert sandbox.base_url == paysera_scanpay.SANDBOX_BASE_URL
    with Client("id", "key") as production:
        assert production.base_url == paysera_scanpay.PRODUCTION_BASE_URL


def test_ext_accepts_lists_as_json_gives_them() -> None:
    signer = MacSigner("wkVd93h2uS", "IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU")
    url = "https://wallet.paysera.com/rest/v1/spots"
    as_tuples = signer.authorization("GET", url, ts=1343811600, nonce="n", ext=[("project_id", "1")])
    from_json = signer.authorization(
        "GET", url, ts=1343811600, nonce="n", ext=json.loads('[["project_id", "1"]]')
    )
    assert from_json == as_tuples
    for bad in (["ab"], [["only-one"]], [["a", "b", "c"]], [["a", 1]]):
        with pytest.raises(TypeError, match="pair"):
            signer.authorization("GET", url, ext=bad)  # type: ignore[arg-type]


def test_decimal_prices_are_exact_strings() -> None:
    assert (
        Payment(description="Coffee", price_decimal=Decimal("2.50"), currency="EUR").price_decimal == "2.50"
    )
    assert (
        Payment(description="x", price_decimal=Decimal("1E+1"), currency="EUR").to_dict()["price_decimal"]
        == "10"
    )
    raw = Payment.from_dict({"description": "x", "price_decimal": Decimal("0.10"), "currency": "EUR"})
    assert raw.price_decimal == "0.10"


def test_decimal_in_a_dict_payment_reaches_the_sandbox(sandbox: Sandbox, client: Client) -> None:
    tx = client.create_transaction(
        [{"description": "Tea", "price_decimal": Decimal("3.20"), "currency": "EUR"}]
    )
    assert tx.payments[0].price == 320


def test_deadline_default_is_below_gunicorns_worker_timeout() -> None:
    assert paysera_scanpay.DEFAULT_DEADLINE == 25.0
    with Client("id", "key") as client:
        assert client.deadline == paysera_scanpay.DEFAULT_DEADLINE
        assert client.with_options(deadline=2.5).deadline == 2.5
        assert client.with_options(deadline=math.inf).deadline is None
        assert client.with_options(timeout=3.0).deadline == paysera_scanpay.DEFAULT_DEADLINE
    with Client("id", "key", deadline=None) as unbounded:
        assert unbounded.deadline is None
    with pytest.raises(ValueError, match="deadline"):
        Client("id", "key", deadline=0)


def test_deadline_bounds_the_whole_call() -> None:
    # A server that accepts the connection and never answers.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    try:
        port = listener.getsockname()[1]
        with Client("id", "key", base_url=f"http://127.0.0.1:{port}", timeout=10.0, deadline=0.5) as client:
            started = time.monotonic()
            with pytest.raises(paysera_scanpay.TimeoutError):
                client.get_spot(1)
            assert time.monotonic() - started < 5
    finally:
        listener.close()
