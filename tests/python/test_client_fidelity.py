"""Client-side Paysera fidelity (issue 11): named hosts, and the Python papercuts."""

from __future__ import annotations

import asyncio
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


def test_project_and_location_are_mac_ext_parameters(sandbox: Sandbox) -> None:
    from paysera_scanpay import ApiError, NotFoundError

    here = sandbox.create_spot(71, "t1")
    there = sandbox.create_spot(72, "t1")
    with sandbox.client() as plain:
        project = plain.create_transaction([{"description": "x", "price": 100, "currency": "EUR"}]).project_id
    assert project is not None
    with sandbox.client(project_id=project) as client:
        assert (client.project_id, client.location_id) == (project, None)
        till = client.with_options(location_id=71)
        assert (till.project_id, till.location_id) == (project, 71)
        tx = till.create_transaction([{"description": "x", "price": 100, "currency": "EUR"}])
        assert tx.location_id == 71
        ext = sandbox.requests()[-1]["ext"]
        assert ext is not None and ext.startswith("body_hash=")
        assert ext.endswith(f"&project_id={project}&location_id=71")
        client.get_spot(there.id)
        assert sandbox.requests()[-1]["ext"] == f"project_id={project}"

        with pytest.raises(NotFoundError):
            till.get_spot(there.id)
        assert till.get_spot(here.id).id == here.id
        with pytest.raises(NotFoundError):
            client.with_options(location_id=72).get_transaction(tx.transaction_key)
        with pytest.raises(ApiError) as refused:
            client.with_options(project_id=project + 1).list_spots()
        assert (refused.value.code, refused.value.status) == ("forbidden", 403)
        sandbox.scan(here.id)
        sandbox.scan(there.id)
        assert [s.id for s in till.list_spots(status="waiting").spots] == [here.id]


def test_find_transactions_finds_a_create_whose_answer_was_lost(sandbox: Sandbox) -> None:
    from paysera_scanpay import PayseraError

    def payment(reference: object) -> dict:
        return {
            "description": "Table 1",
            "price": 1299,
            "currency": "EUR",
            "parameters": {"orderid": reference},
        }

    started = sandbox.now()
    with sandbox.client(retries=0) as client:
        client.create_transaction([payment("other")])
        sandbox.inject_fault("apply_then_drop", method="POST", path="/rest/v1/transaction")
        with pytest.raises(PayseraError) as lost:
            client.create_transaction([payment(1234)])
        assert lost.value.outcome_unknown
        found = client.find_transactions("orderid", 1234, from_=started - 60)
        assert [t.payments[0].parameters["orderid"] for t in found] == [1234]
        assert client.find_transactions("orderid", "1234", to=started - 60) == []


@pytest.mark.event_loop
def test_async_find_transactions(sandbox: Sandbox) -> None:
    started = sandbox.now()

    async def main() -> list:
        async with sandbox.async_client() as client:
            payment = {"description": "x", "price": 100, "currency": "EUR", "parameters": {"ref": "A-1"}}
            await client.create_transaction([payment])
            return await client.find_transactions("ref", "A-1", from_=started - 60)

    found = asyncio.run(main())
    assert [t.payments[0].parameters for t in found] == [{"ref": "A-1"}]
