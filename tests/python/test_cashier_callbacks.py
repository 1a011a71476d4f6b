"""Callbacks drive the cashier: a signed callback makes it confirm at once, long before its next
poll; forged, tampered, unknown and replayed callbacks change nothing; a lost callback is still
handled by polling."""

from __future__ import annotations

import asyncio
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Callable, Dict, List, Tuple

import pytest
from paysera_scanpay import AsyncCashier, Cashier, Client, Event, Spot
from paysera_scanpay.testing import CallbackRecord, Sandbox

#: Nobody listens here: callbacks sent to it are lost (the sandbox still journals them).
LOST = "http://127.0.0.1:9/paysera/callback"


def price(spot: Spot) -> List[Dict[str, Any]]:
    return [{"description": "Dinner", "price": 1250, "currency": "EUR"}]


def eventually(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def body(event: str, sign: str) -> bytes:
    return urllib.parse.urlencode({"event": event, "sign": sign}).encode()


def ordered(c: Any) -> bool:
    return any(r.stage == "ordered" for r in c.records())


def journaled(sandbox: Sandbox, count: int) -> List[CallbackRecord]:
    eventually(lambda: len(sandbox.callbacks()) >= count)
    return sandbox.callbacks()


def test_a_callback_wakes_the_cashier(sandbox: Sandbox, client: Client) -> None:
    spot = sandbox.create_spot(1, "t1")
    sandbox.scan(spot.id)
    answers: List[int] = []

    class View(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # what a Django or Flask view does with request.body
            genuine = cashier.handle_callback(self.rfile.read(int(self.headers["Content-Length"])))
            answers.append(200 if genuine else 400)
            self.send_response(answers[-1])
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), View)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/paysera/callback"
    seen: List[Event] = []
    # A minute between polls: only the callback can explain a prompt confirmation.
    cashier = Cashier(client, price, seen.append, poll_interval=60, requests_per_minute=0, callback_uri=url)
    loop = threading.Thread(target=cashier.run_forever)
    loop.start()
    try:
        eventually(lambda: ordered(cashier))
        [tx] = sandbox.transactions()
        assert tx.callback_uri == url
        sandbox.confirm(tx.transaction_key)
        eventually(lambda: str(sandbox.spots()[0].status) == "closed")
        assert str(sandbox.transactions()[0].status) == "confirmed"
        eventually(lambda: len(seen) == 3)  # spot_closed follows the close call's answer
        assert [str(e.kind) for e in seen] == ["order_created", "paid", "spot_closed"]
        eventually(lambda: answers == [200])
    finally:
        cashier.stop()
        loop.join()
        server.shutdown()


def test_forged_tampered_unknown_and_replayed_callbacks_change_nothing(
    sandbox: Sandbox, client: Client
) -> None:
    spot = sandbox.create_spot(1, "t1")
    sandbox.scan(spot.id)
    cashier = Cashier(
        client, price, lambda e: None, poll_interval=60, requests_per_minute=0, callback_uri=LOST
    )
    loop = threading.Thread(target=cashier.run_forever)
    loop.start()
    try:
        eventually(lambda: ordered(cashier))
        key = sandbox.transactions()[0].transaction_key
        other = client.create_transaction(
            [{"description": "x", "price": 1, "currency": "EUR"}], callback_uri=LOST
        )
        sandbox.confirm(other.transaction_key)
        sandbox.confirm(key)
        callbacks = journaled(sandbox, 2)
        ours = next(c for c in callbacks if c["transaction_key"] == key)
        theirs = next(c for c in callbacks if c["transaction_key"] != key)
        records = cashier.records()
        refused: List[Tuple[str, bytes]] = [
            ("forged", body(ours["event"], theirs["sign"])),
            ("tampered", body(ours["event"].replace("1250", "1"), ours["sign"])),
            ("unsigned", urllib.parse.urlencode({"event": ours["event"]}).encode()),
            ("unknown transaction", body(theirs["event"], theirs["sign"])),
        ]
        for what, bad in refused:
            assert cashier.handle_callback(bad) is False, what
        assert cashier.handle_callback("garbage") is False
        time.sleep(0.3)
        assert cashier.records() == records
        assert str(sandbox.transactions()[0].status) == "reserved"

        genuine = body(ours["event"], ours["sign"]).decode()  # str works as well as bytes
        assert cashier.handle_callback(genuine) is True
        eventually(lambda: str(sandbox.spots()[0].status) == "closed")
        assert cashier.handle_callback(genuine) is False  # a replay: harmless
        eventually(lambda: cashier.records() == [])  # forgotten once the close call returns
    finally:
        cashier.stop()
        loop.join()


def test_a_lost_callback_is_handled_by_polling(sandbox: Sandbox, client: Client) -> None:
    spot = sandbox.create_spot(1, "t1")
    sandbox.scan(spot.id)
    cashier = Cashier(
        client, price, lambda e: None, poll_interval=0, requests_per_minute=0, callback_uri=LOST
    )
    [event] = cashier.run_once().events
    assert event.transaction_key is not None
    sandbox.confirm(event.transaction_key)
    assert journaled(sandbox, 1)[0]["error"] is not None
    kinds = [str(e.kind) for e in cashier.run_once().events]
    assert kinds == ["paid", "spot_closed"]


@pytest.mark.event_loop
def test_async_cashier_handles_callbacks(sandbox: Sandbox, client: Client) -> None:
    spot = sandbox.create_spot(1, "t1")
    sandbox.scan(spot.id)

    async def main() -> None:
        cashier = AsyncCashier(
            client, price, lambda e: None, poll_interval=60, requests_per_minute=0, callback_uri=LOST
        )
        task = asyncio.create_task(cashier.run_forever())
        while not ordered(cashier):
            await asyncio.sleep(0.02)
        sandbox.confirm(sandbox.transactions()[0].transaction_key)
        while not sandbox.callbacks():
            await asyncio.sleep(0.02)
        [cb] = sandbox.callbacks()
        assert await cashier.handle_callback(body(cb["event"], cb["sign"])) is True
        while str(sandbox.spots()[0].status) != "closed":
            await asyncio.sleep(0.02)
        cashier.stop()
        await asyncio.wait_for(task, 20)

    asyncio.run(main())
