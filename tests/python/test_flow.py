"""The whole 8-step Scan and Pay flow against the sandbox, with Client and with AsyncClient."""

from __future__ import annotations

import asyncio
from typing import Dict, List

import pytest
from paysera_scanpay import AsyncClient, Client, Payment, Reserve, qr
from paysera_scanpay.testing import Sandbox

BILLS = {"table1": 1299, "table2": 2450, "table3": 875}


def _setup(sandbox: Sandbox) -> Dict[str, int]:
    sandbox.create_location(1, title="Bistro", address="Gedimino pr. 1")
    spots = {name: sandbox.create_spot(1, name).id for name in BILLS}
    for name in BILLS:
        scanned = sandbox.scan(qr.spot_code(1, name))  # 1. customers scan the table codes
        assert scanned.status == "waiting"
    return spots


def _check_end_state(sandbox: Sandbox, keys: List[str]) -> None:
    assert all(s.status == "closed" for s in sandbox.spots())
    transactions = sandbox.transactions()
    assert sorted(t.transaction_key for t in transactions) == sorted(keys)
    assert all(t.status == "confirmed" for t in transactions)
    methods = [(r["method"], r["path"].split("?")[0], r["status"]) for r in sandbox.requests()]
    assert all(status == 200 for _, _, status in methods), methods
    assert all(r["client_id"] == sandbox.client_id for r in sandbox.requests())


def test_eight_steps_with_client(sandbox: Sandbox, client: Client) -> None:
    spots = _setup(sandbox)
    # 2. the merchant polls for waiting spots
    waiting = client.list_spots(status="waiting", location_id=1)
    assert sorted(s.identifier or "" for s in waiting) == sorted(BILLS)
    assert waiting.metadata is not None and waiting.metadata.total == 3
    spot_of: Dict[str, int] = {}
    for spot in waiting:
        # 3. create a transaction (Payment objects or wire dicts)
        payment = (
            Payment(
                description=f"Bistro {spot.identifier}", price=BILLS[spot.identifier or ""], currency="EUR"
            )
            if spot.id % 2
            else {
                "description": f"Bistro {spot.identifier}",
                "price": BILLS[spot.identifier or ""],
                "currency": "EUR",
            }
        )
        tx = client.create_transaction(
            [payment], reserve=Reserve(for_=600), redirect_uri="https://shop.example/done"
        )
        assert tx.status == "new" and tx.reserve is not None and tx.reserve.for_ == 600
        # 4. attach it to the spot
        order = client.create_spot_order(spot.id, tx.transaction_key)
        assert order.status == "pending" and order.transaction_key == tx.transaction_key
        spot_of[tx.transaction_key] = spot.id
    assert client.get_spot(spots["table1"]).orders
    # 5. customers confirm in the app
    for key in spot_of:
        assert sandbox.confirm(key).status == "reserved"
    # 6. the merchant polls reserved transactions
    reserved = client.list_transactions(status="reserved")
    assert sorted(t.transaction_key for t in reserved) == sorted(spot_of)
    assert [t.transaction_key for t in client.iter_transactions(status=["reserved"], page_size=1)] == [
        t.transaction_key for t in reserved
    ]
    for tx in reserved:
        # 7. confirm (the first one for a lower amount), 8. close the spot
        prices = None
        if tx.transaction_key == reserved.transactions[0].transaction_key:
            assert tx.payments is not None
            prices = {tx.payments[0].id or 0: {"price": 500, "currency": "EUR"}}
        confirmed = client.confirm_transaction(tx.transaction_key, prices)
        assert confirmed.status == "confirmed"
        if prices:
            assert confirmed.payments is not None and confirmed.payments[0].price == 500
        assert client.close_spot(spot_of[tx.transaction_key]).status == "closed"
    assert client.get_transaction(reserved.transactions[1].transaction_key).status == "confirmed"
    assert [s.id for s in client.iter_spots(status="closed", page_size=2)] == sorted(spots.values())
    _check_end_state(sandbox, list(spot_of))


@pytest.mark.event_loop
def test_eight_steps_with_async_client(sandbox: Sandbox) -> None:
    _setup(sandbox)

    async def merchant() -> List[str]:
        async with sandbox.async_client() as client:
            waiting = await client.list_spots(status="waiting")
            assert len(waiting) == 3

            async def bill(spot_id: int, identifier: str) -> str:
                tx = await client.create_transaction(
                    payments=[{"description": identifier, "price": BILLS[identifier], "currency": "EUR"}]
                )
                await client.create_spot_order(spot_id, tx.transaction_key)
                return tx.transaction_key

            keys = await asyncio.gather(*(bill(s.id, s.identifier or "") for s in waiting))
            for key in keys:
                sandbox.confirm(key)
            reserved = [t async for t in client.iter_transactions(status="reserved", page_size=2)]
            assert sorted(t.transaction_key for t in reserved) == sorted(keys)
            confirmed = await asyncio.gather(
                *(client.confirm_transaction(t.transaction_key) for t in reserved)
            )
            assert {t.status for t in confirmed} == {"confirmed"}
            async for spot in client.iter_spots(status="waiting"):
                assert (await client.get_spot(spot.id)).orders
                assert (await client.close_spot(spot.id)).status == "closed"
            assert (await client.get_transaction(keys[0])).status == "confirmed"
            assert await client.server_time() > 1_600_000_000
            assert "BEGIN PUBLIC KEY" in await client.get_public_key()
            tx = await client.create_transaction([{"description": "x", "price": 1, "currency": "EUR"}])
            assert (await client.revoke_transaction(tx.transaction_key)).status == "revoked"
            return [*keys, tx.transaction_key]

    keys = asyncio.run(merchant())
    assert all(s.status == "closed" for s in sandbox.spots())
    assert {t.transaction_key: t.status for t in sandbox.transactions()} == {
        **{k: "confirmed" for k in keys[:-1]},
        keys[-1]: "revoked",
    }


def test_client_options_and_lifecycle(sandbox: Sandbox) -> None:
    client = Client(sandbox.client_id, sandbox.mac_key, base_url=sandbox.base_url, timeout=3, retries=0)
    assert (client.base_url, client.client_id, client.timeout, client.retries) == (
        sandbox.base_url,
        sandbox.client_id,
        3.0,
        0,
    )
    quick = client.with_options(timeout=0.5, retries=1)
    assert (quick.timeout, quick.retries, client.timeout) == (0.5, 1, 3.0)
    assert isinstance(quick, Client)
    with client:
        assert client.server_time() > 0
    assert client.closed and repr(client) == "Client(closed)"
    try:
        client.server_time()
    except RuntimeError as e:
        assert "closed" in str(e)
    else:
        raise AssertionError("a closed client must refuse calls")
    assert quick.server_time() > 0  # a view keeps its own handle on the shared pool
    aclient = AsyncClient(sandbox.client_id, sandbox.mac_key, base_url=sandbox.base_url)
    assert isinstance(aclient.with_options(retries=0), AsyncClient)
    asyncio.run(aclient.aclose())
    assert aclient.closed
