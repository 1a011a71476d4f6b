"""Every exception class, raised by the situation that should raise it; all pickle, none shows
a secret."""

from __future__ import annotations

import builtins
import pickle
import socket
from pathlib import Path
from typing import Iterator

import paysera_scanpay as ps
import pytest
from paysera_scanpay import Client, Payment
from paysera_scanpay.testing import Sandbox

SECRET = "s3cr3t-MAC-key-never-shown"
WRONG = "wr0ng-MAC-key-never-shown"


@pytest.fixture(scope="module")
def private_sandbox() -> Iterator[Sandbox]:
    with Sandbox("shop-1", SECRET) as sandbox:
        yield sandbox


@pytest.fixture
def shop(private_sandbox: Sandbox) -> Iterator[Client]:
    private_sandbox.reset()
    with private_sandbox.client(retries=0) as client:
        yield client


def _new_transaction(client: Client) -> ps.Transaction:
    return client.create_transaction([Payment(description="Table 1", price=1299, currency="EUR")])


def _check(error: ps.PayseraError, cls: type, code: str) -> None:
    """The exact class, its code, pickling, and no secret anywhere."""
    assert type(error) is cls, (type(error), error)
    assert error.code == code
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is cls and str(again) == str(error) and vars(again) == vars(error)
    for text in (str(error), repr(error), repr(vars(error)), str(pickle.dumps(error))):
        assert SECRET not in text and WRONG not in text
        assert "MAC id=" not in text and "mac=" not in text


def test_invalid_state(shop: Client) -> None:
    tx = _new_transaction(shop)
    with pytest.raises(ps.InvalidStateError) as info:
        shop.confirm_transaction(tx.transaction_key)  # nobody reserved it yet
    e = info.value
    _check(e, ps.InvalidStateError, "invalid_state")
    assert isinstance(e, ps.ApiError) and isinstance(e, ps.PayseraError)
    assert e.status == 409 and not e.retryable
    assert e.description and "reserved" in e.description
    assert e.correlation_id and e.correlation_id in str(e)
    assert (e.method, e.path) == ("PUT", f"/rest/v1/transaction/{tx.transaction_key}/confirm")


def test_not_found(shop: Client) -> None:
    with pytest.raises(ps.NotFoundError) as info:
        shop.get_transaction("NoSuchKey123")
    _check(info.value, ps.NotFoundError, "not_found")
    assert info.value.status == 404
    with pytest.raises(ps.NotFoundError):
        shop.get_spot(999)


def test_authentication(private_sandbox: Sandbox) -> None:
    with Client("shop-1", WRONG, base_url=private_sandbox.base_url, retries=0) as wrong:
        with pytest.raises(ps.AuthenticationError) as info:
            wrong.list_spots()
        _check(info.value, ps.AuthenticationError, "unauthorized")
        assert info.value.status == 401
        assert repr(wrong) == f"Client(client_id='shop-1', base_url='{private_sandbox.base_url}')"
    with Client("nobody", SECRET, base_url=private_sandbox.base_url) as unknown:
        with pytest.raises(ps.AuthenticationError):
            unknown.list_spots()


def test_invalid_parameters(private_sandbox: Sandbox, shop: Client) -> None:
    tx = _new_transaction(shop)
    private_sandbox.confirm(tx.transaction_key)
    assert tx.payments is not None
    payment_id = tx.payments[0].id or 0
    with pytest.raises(ps.InvalidParametersError) as info:
        shop.confirm_transaction(tx.transaction_key, {payment_id: {"price": 99999, "currency": "EUR"}})
    e = info.value
    _check(e, ps.InvalidParametersError, "invalid_parameters")
    assert e.status == 400 and e.properties is not None and str(payment_id) in e.properties


def test_rate_limit(private_sandbox: Sandbox, shop: Client) -> None:
    private_sandbox.set_rate_limit(1, per_seconds=60)
    shop.list_spots()
    with pytest.raises(ps.RateLimitError) as info:
        shop.list_spots()
    e = info.value
    _check(e, ps.RateLimitError, "rate_limit_exceeded")
    assert e.status == 429 and e.retry_after is not None and e.retry_after > 0 and e.retryable
    private_sandbox.set_rate_limit(None)
    private_sandbox.inject_fault("rate_limit", retry_after=7, path="/spots")
    with pytest.raises(ps.RateLimitError) as info:
        shop.list_spots()
    assert info.value.retry_after == 7.0


def test_plain_api_error(private_sandbox: Sandbox, shop: Client) -> None:
    private_sandbox.inject_fault("error", status=500, path="/spots")
    with pytest.raises(ps.ApiError) as info:
        shop.list_spots()
    _check(info.value, ps.ApiError, "internal_server_error")
    assert info.value.status == 500


def test_transport_error_connect_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    with Client("shop-1", SECRET, base_url=f"http://127.0.0.1:{port}", retries=0) as client:
        with pytest.raises(ps.TransportError) as info:
            client.create_transaction([Payment(description="x", price=1, currency="EUR")])
    e = info.value
    _check(e, ps.TransportError, "transport_error")
    assert not e.outcome_unknown and e.retryable  # provably never sent


def test_transport_error_after_sending(private_sandbox: Sandbox, shop: Client) -> None:
    private_sandbox.inject_fault("apply_then_drop", method="POST", path="/transaction")
    with pytest.raises(ps.TransportError) as info:
        _new_transaction(shop)
    e = info.value
    _check(e, ps.TransportError, "transport_error")
    assert e.outcome_unknown and not e.retryable  # a POST that may have been applied
    assert len(private_sandbox.transactions()) == 1  # ... and indeed it was


def test_timeout(private_sandbox: Sandbox, shop: Client) -> None:
    private_sandbox.inject_fault("delay", ms=1500, path="/spots")
    with pytest.raises(ps.TimeoutError) as info:
        shop.with_options(timeout=0.3).list_spots()
    e = info.value
    _check(e, ps.TimeoutError, "timeout")
    assert isinstance(e, ps.TransportError) and isinstance(e, builtins.TimeoutError)
    assert e.timeout == 0.3


def test_decode_error(private_sandbox: Sandbox, shop: Client) -> None:
    private_sandbox.inject_fault("malformed", path="/spots")
    with pytest.raises(ps.DecodeError) as info:
        shop.list_spots()
    _check(info.value, ps.DecodeError, "decode_error")
    assert info.value.status == 200


def test_invalid_input_sends_nothing(private_sandbox: Sandbox, shop: Client) -> None:
    for call in (
        lambda: shop.create_transaction([]),
        lambda: shop.create_transaction([{"description": "x", "price": -5, "currency": "eur"}]),
        lambda: shop.create_transaction(
            [{"description": "x", "price": 5, "currency": "EUR"}], redirect_uri="nope"
        ),
        lambda: shop.get_transaction("bad key/../"),
        lambda: shop.list_spots(limit=500),
        lambda: shop.list_transactions(from_=10, to=1),
    ):
        with pytest.raises(ps.InvalidInputError) as info:
            call()
        _check(info.value, ps.InvalidInputError, "invalid_input")
        assert isinstance(info.value, ValueError)
    assert private_sandbox.requests() == []
    with pytest.raises(ps.InvalidInputError, match=r"payments\[0\].currency"):
        shop.create_transaction([{"description": "x", "price": 5, "currency": "eur"}])
    with pytest.raises(ValueError, match="timeout"):
        Client("a", "b", timeout=0)
    with pytest.raises(ps.InvalidInputError, match="base_url"):
        Client("a", "b", base_url="not a url")


def test_the_tree() -> None:
    for cls in (
        ps.InvalidStateError,
        ps.NotFoundError,
        ps.AuthenticationError,
        ps.InvalidParametersError,
        ps.RateLimitError,
    ):
        assert issubclass(cls, ps.ApiError)
    for base in (ps.ApiError, ps.TransportError, ps.DecodeError, ps.InvalidInputError):
        assert issubclass(base, ps.PayseraError)
    assert issubclass(ps.TimeoutError, ps.TransportError)
    assert issubclass(ps.InvalidQrCodeError, ValueError)
    # The kinds that used to be builtins keep their builtin base, so old `except`s still work.
    assert issubclass(ps.LifecycleError, RuntimeError)
    assert issubclass(ps.InternalError, RuntimeError)
    assert issubclass(ps.StoreError, ps.IoError) and issubclass(ps.IoError, OSError)
    assert not issubclass(ps.StoreError, ValueError)
    # Raised by hand (e.g. in a user's test double), they still carry a code and pickle.
    e = ps.NotFoundError("gone", status=404)
    assert e.code == "not_found" and pickle.loads(pickle.dumps(e)).status == 404


def test_lifecycle(private_sandbox: Sandbox) -> None:
    client = private_sandbox.client()
    client.close()
    with pytest.raises(ps.LifecycleError, match="closed") as info:
        client.list_spots()
    _check(info.value, ps.LifecycleError, "lifecycle_error")
    assert isinstance(info.value, RuntimeError)
    stopped = Sandbox()
    stopped.close()
    with pytest.raises(RuntimeError, match="stopped"):
        stopped.transactions()


def test_sandbox_start_failure_is_an_os_error(private_sandbox: Sandbox) -> None:
    port = int(private_sandbox.base_url.rsplit(":", 1)[1])
    with pytest.raises(OSError) as info:
        Sandbox(port=port)
    _check(info.value, ps.IoError, "io_error")
    assert "cannot start the sandbox" in str(info.value)


def test_store_errors_are_os_errors(private_sandbox: Sandbox, tmp_path: Path) -> None:
    client = private_sandbox.client()
    with pytest.raises(OSError) as info:
        ps.Cashier(client, lambda spot: None, lambda event: None, store=str(tmp_path))
    _check(info.value, ps.StoreError, "store_error")
    assert str(tmp_path) in str(info.value)
