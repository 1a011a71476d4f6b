"""The cashier engine from Python: the merchant's handlers in Python (sync and async), the loop in
the Rust core, the customers played by the sandbox."""

from __future__ import annotations

import _thread
import asyncio
import logging
import os
import pathlib
import pickle
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
from conftest import SCRIPT_PRELUDE
from paysera_scanpay import (
    AsyncCashier,
    Cashier,
    Client,
    Event,
    EventKind,
    InvalidInputError,
    Money,
    Payment,
    PayseraError,
    Spot,
    StoreError,
    TickReport,
    Transaction,
)
from paysera_scanpay.testing import Sandbox

Kinds = List[Tuple[int, str]]


def kinds(events: List[Event]) -> Kinds:
    return [(e.spot_id, str(e.kind)) for e in events]


def table_price(spot: Spot) -> List[Dict[str, Any]]:
    return [{"description": f"Table {spot.identifier}", "price": 1299, "currency": "EUR"}]


def cashier(client: Client, **options: Any) -> Tuple[Cashier, List[Event]]:
    """A cashier over the sandbox that records what its handler received."""
    seen: List[Event] = []
    price = options.pop("price", table_price)
    on_event = options.pop("on_event", seen.append)
    options = {"poll_interval": 0, "requests_per_minute": 0, **options}
    return Cashier(client, price, on_event, **options), seen


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_happy_path(sandbox: Sandbox, client: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="paysera_scanpay")
    spot = sandbox.create_spot(1, "table1")
    c, seen = cashier(client)

    # Nobody scanned: two polling requests and nothing else.
    idle = c.run_once()
    assert isinstance(idle, TickReport)
    assert (idle.polling_requests, idle.action_requests, idle.events) == (2, 0, [])

    sandbox.scan(spot.id)
    ordered = c.run_once()
    assert (ordered.polling_requests, ordered.action_requests) == (2, 2)  # create, attach
    assert kinds(ordered.events) == [(spot.id, "order_created")]
    [event] = ordered.events
    [tx] = sandbox.transactions()
    assert event.kind == "order_created"
    assert event.kind is EventKind.ORDER_CREATED
    assert event.to_dict() == {
        "id": f"{event.reference}:order_created",
        "kind": "order_created",
        "spot_id": spot.id,
        "location_id": 1,
        "transaction_key": tx.transaction_key,
        "reference": event.reference,
        "amounts": [{"price": 1299, "currency": "EUR"}],
        "parameters": {"scanpay_reference": event.reference},
        "message": None,
    }
    assert event.amounts == [Money(1299, "EUR")] and event.message is None
    assert tx.payments is not None and tx.payments[0].parameters is not None
    assert tx.payments[0].parameters["scanpay_reference"] == event.reference
    orders = sandbox.spots()[0].orders or []
    assert [o.transaction_key for o in orders] == [tx.transaction_key]
    [record] = c.records()
    assert (record.reference, record.stage, record.spot_id) == (event.reference, "ordered", spot.id)
    assert record.delivered == ["order_created"]

    # Nothing to do until the customer acts.
    again = c.run_once()
    assert (again.polling_requests, again.action_requests, again.events) == (2, 0, [])

    sandbox.confirm(tx.transaction_key)
    paid = c.run_once()
    assert kinds(paid.events) == [(spot.id, "paid"), (spot.id, "spot_closed")]
    assert paid.events[0].id == f"{event.reference}:paid"
    assert paid.events[0].amounts == [Money(1299, "EUR")]
    assert sandbox.transactions()[0].status == "confirmed"
    assert sandbox.spots()[0].status == "closed"
    assert c.records() == []
    # The handler saw exactly what the reports carried, as models that pickle.
    assert seen == ordered.events + paid.events
    assert pickle.loads(pickle.dumps(seen)) == seen
    assert Event.from_dict(event.to_dict()) == event
    # The core logs every event.
    messages = [r.getMessage() for r in caplog.records if r.name == "paysera_scanpay"]
    assert any(m.startswith(f"cashier paid spot={spot.id} ") for m in messages), messages
    assert repr(c) == "Cashier(store='memory', running=False)"


@pytest.mark.event_loop
def test_async_handlers_are_awaited_and_overlap(sandbox: Sandbox) -> None:
    a, b = sandbox.create_spot(1, "a"), sandbox.create_spot(1, "b")
    sandbox.scan(a.id)
    sandbox.scan(b.id)
    log: List[str] = []
    bill_b = False
    in_flight = peak = 0

    async def price(spot: Spot) -> Optional[List[Payment]]:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.05)
        in_flight -= 1
        log.append(f"price {spot.identifier}")
        if spot.identifier == "b" and not bill_b:
            return None  # not ready: asked again next tick
        params = {"orderid": spot.id}
        return [
            Payment(description=f"Table {spot.identifier}", price=2000, currency="EUR", parameters=params)
        ]

    async def on_event(event: Event) -> None:
        await asyncio.sleep(0.01)
        log.append(f"{event.kind} {event.spot_id}")

    def adjust(transaction: Transaction) -> Dict[int, Money]:  # a plain function works too
        assert transaction.payments is not None and transaction.payments[0].id is not None
        return {transaction.payments[0].id: Money(1500, "EUR")}  # a discount at the till

    async def main() -> Tuple[TickReport, TickReport, TickReport, int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.005)

        background = asyncio.ensure_future(ticker())
        c = AsyncCashier(
            sandbox.async_client(), price, on_event, adjust=adjust, poll_interval=0, requests_per_minute=0
        )
        first = await c.run_once()
        nonlocal bill_b
        bill_b = True
        second = await c.run_once()
        for tx in sandbox.transactions():
            sandbox.confirm(tx.transaction_key)
        third = await c.run_once()
        background.cancel()
        return first, second, third, ticks

    first, second, third, ticks = asyncio.run(main())
    assert ticks > 5  # the event loop kept running meanwhile
    assert peak == 2  # both spots were priced at once
    assert kinds(first.events) == [(a.id, "order_created")]
    assert {"price a", "price b", f"order_created {a.id}"} <= set(log)
    assert kinds(second.events) == [(b.id, "order_created")]
    txs = sandbox.transactions()
    assert txs[0].payments is not None and txs[0].payments[0].parameters is not None
    assert txs[0].payments[0].parameters["orderid"] == a.id
    assert [e.amounts for e in third.events if e.kind == "paid"] == [[Money(1500, "EUR")]] * 2
    assert [(t.status, t.payments[0].price if t.payments else None) for t in sandbox.transactions()] == [
        ("confirmed", 1500),
        ("confirmed", 1500),
    ]
    # Each event's handler finished before that spot went on.
    assert [entry for entry in log if entry.endswith(f" {a.id}")] == [
        f"order_created {a.id}",
        f"paid {a.id}",
        f"spot_closed {a.id}",
    ]


def test_sync_cashier_refuses_async_handlers(sandbox: Sandbox, client: Client) -> None:
    async def price(spot: Spot) -> None:
        return None

    with pytest.raises(TypeError, match="AsyncCashier"):
        Cashier(client, price, print)  # type: ignore[arg-type]
    # An awaitable returned by a plain function is an error event, and is never left unawaited.
    spot = sandbox.create_spot(1, "t")
    sandbox.scan(spot.id)
    c, seen = cashier(client, price=lambda spot: asyncio.sleep(0))
    [error] = c.run_once().events
    assert error.kind == "error" and error.spot_id == spot.id
    assert error.message == (
        "price handler failed: TypeError: the price handler returned an awaitable: "
        "give async handlers to AsyncCashier"
    )
    assert seen == [error]


def test_handlers_that_raise_become_error_events(
    sandbox: Sandbox, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = sandbox.create_spot(1, "a"), sandbox.create_spot(1, "b")
    sandbox.scan(a.id)
    sandbox.scan(b.id)
    price_failures = 0
    seen: List[Event] = []

    def price(spot: Spot) -> List[Dict[str, Any]]:
        nonlocal price_failures
        if spot.identifier == "b" and price_failures == 0:
            price_failures += 1
            raise TypeError("menu not loaded")
        return table_price(spot)

    def on_event(event: Event) -> None:
        seen.append(event)
        if event.kind == "order_created":
            raise RuntimeError("kitchen printer offline")
        if event.kind == "paid":
            raise ConnectionError("accounting is down")

    # A failed event is retried on the next tick (event_retry=0).
    c, _ = cashier(client, price=price, on_event=on_event, event_retry=0, event_retry_max=0)
    first = c.run_once()
    errors = [e for e in first.events if e.kind == "error"]
    assert sorted(e.message or "" for e in errors) == [
        "event handler failed on order_created: RuntimeError: kitchen printer offline",
        "price handler failed: TypeError: menu not loaded",
    ]
    # Both failures reach the handler once, as error events; b is priced again next tick.
    assert sorted(e.spot_id for e in seen if e.kind == "error") == sorted([a.id, b.id])
    [waiting] = c.undelivered()
    assert (waiting.event.kind, waiting.event.spot_id, waiting.attempts) == ("order_created", a.id, 1)
    assert waiting.last_error == "RuntimeError: kitchen printer offline"
    second = c.run_once()
    # a's order_created keeps failing; b is ordered and its order_created fails too.
    assert kinds([e for e in second.events if e.kind != "error"]) == []
    assert sorted((u.event.spot_id, u.attempts) for u in c.undelivered()) == [(a.id, 2), (b.id, 1)]

    for tx in sandbox.transactions():
        sandbox.confirm(tx.transaction_key)
    third = c.run_once()
    # The money side goes on: both paid and freed. Their events wait behind order_created.
    assert all(t.status == "confirmed" for t in sandbox.transactions())
    assert all(s.status == "closed" for s in sandbox.spots())
    assert c.records() == []
    assert [str(u.event.kind) for u in c.undelivered() if u.event.spot_id == a.id] == [
        "order_created",
        "paid",
        "spot_closed",
    ]
    assert [e for e in third.events if e.kind != "error"] == []
    # Each failure is logged with its traceback.
    raised = [r for r in caplog.records if r.getMessage().startswith("cashier: the ")]
    assert {r.getMessage() for r in raised} == {
        "cashier: the price handler raised",
        "cashier: the on_event handler raised",
    }
    assert all(r.exc_info is not None and r.levelno == logging.ERROR for r in raised)


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        (
            [{"description": "float money", "price": 12.99, "currency": "EUR"}],
            "invalid return value: [0].price",
        ),
        (5, "TypeError: 'int' object is not iterable"),
        ([{"description": "no amount"}], "invalid payments"),
    ],
)
def test_payments_the_core_cannot_accept_are_an_error_event(
    sandbox: Sandbox, client: Client, returned: Any, message: str
) -> None:
    spot = sandbox.create_spot(1, "x")
    sandbox.scan(spot.id)
    c, _ = cashier(client, price=lambda spot: returned)
    [error] = c.run_once().events
    assert error.kind == "error" and error.spot_id == spot.id
    assert error.message is not None and error.message.startswith("price handler")
    assert message in error.message
    assert sandbox.transactions() == []


@pytest.mark.event_loop
def test_a_tick_that_cannot_poll_raises_at_once(sandbox: Sandbox, client: Client) -> None:
    c, seen = cashier(client)
    sandbox.inject_fault("error", status=503, path="/spots")
    start = time.monotonic()
    with pytest.raises(PayseraError) as raised:
        c.run_once()
    assert raised.value.status == 503 and raised.value.retryable
    assert time.monotonic() - start < 1 and not c.running
    assert c.run_once().polling_requests == 2  # the next tick goes ahead

    async def main() -> None:
        ac = AsyncCashier(sandbox.async_client(), table_price, seen.append, requests_per_minute=0)
        sandbox.inject_fault("error", status=503, path="/spots")
        with pytest.raises(PayseraError):
            await ac.run_once()
        assert (await ac.run_once()).polling_requests == 2

    asyncio.run(main())
    assert seen == []


def test_a_rejection_and_a_walk_away_free_their_spots(sandbox: Sandbox, client: Client) -> None:
    a, b = sandbox.create_spot(1, "a"), sandbox.create_spot(1, "b")
    sandbox.scan(a.id)
    sandbox.scan(b.id)
    # Timestamps are whole seconds: 1 s cannot run out between two back-to-back ticks.
    c, seen = cashier(client, customer_timeout=1.0)
    first = c.run_once()
    assert [str(e.kind) for e in first.events] == ["order_created", "order_created"]
    key_of = {e.spot_id: e.transaction_key for e in first.events}

    sandbox.reject(key_of[a.id] or "")
    assert kinds(c.run_once().events) == [(a.id, "rejected"), (a.id, "spot_closed")]

    # b's customer walks away: after the timeout the order is read, revoked and the spot freed.
    def closed() -> bool:
        c.run_once()
        return any(e.kind == "spot_closed" and e.spot_id == b.id for e in seen)

    eventually(closed, timeout=5)
    assert kinds([e for e in seen if e.spot_id == b.id]) == [
        (b.id, "order_created"),
        (b.id, "expired"),
        (b.id, "spot_closed"),
    ]
    status = {t.transaction_key: t.status for t in sandbox.transactions()}
    assert status == {key_of[a.id]: "rejected", key_of[b.id]: "revoked"}
    assert all(s.status == "closed" for s in sandbox.spots())


def test_a_store_at_a_path_lets_a_new_cashier_finish(
    sandbox: Sandbox, client: Client, tmp_path: pathlib.Path
) -> None:
    log = tmp_path / "cashier.log"
    spot = sandbox.create_spot(1, "table9")
    sandbox.scan(spot.id)
    first, _ = cashier(client, store=log)
    key = first.run_once().events[0].transaction_key
    del first

    # The process restarts: a new cashier from the same SQLite file (a str path works too).
    second, _ = cashier(client, store=str(log))
    [record] = second.records()
    assert (record.stage, record.transaction_key, record.spot_id) == ("ordered", key, spot.id)
    assert repr(second) == f"Cashier(store={'sqlite://' + str(log)!r}, running=False)"
    sandbox.confirm(key or "")
    assert kinds(second.run_once().events) == [(spot.id, "paid"), (spot.id, "spot_closed")]
    assert len(sandbox.transactions()) == 1
    del second
    assert cashier(client, store=log)[0].records() == []


def test_run_forever_reads_every_page_within_one_poll_interval(sandbox: Sandbox, client: Client) -> None:
    # Three pages of waiting tables and a poll interval far longer than the test: every table is
    # billed and paid in the first sweep, not one page per interval.
    for i in range(25):
        sandbox.scan(sandbox.create_spot(1, f"t{i}").id)
    sandbox.set_autopilot("confirm")
    c, seen = cashier(client, poll_interval=600.0, page_size=10)
    runner = threading.Thread(target=c.run_forever)
    runner.start()
    try:
        eventually(lambda: sum(e.kind == "spot_closed" for e in seen) == 25, timeout=30)
    finally:
        c.stop()
        runner.join(timeout=30)
    assert sum(e.kind == "paid" for e in seen) == 25
    assert len(sandbox.transactions()) == 25


def test_run_forever_until_stop_from_another_thread(sandbox: Sandbox, client: Client) -> None:
    for i in range(10):
        sandbox.scan(sandbox.create_spot(1, f"t{i}").id)
    sandbox.set_autopilot("confirm")  # every customer confirms at once
    c, seen = cashier(client, poll_interval=0.01, page_size=4)
    spins = 0
    done = threading.Event()

    def spin() -> None:  # Python keeps running in other threads while the cashier works
        nonlocal spins
        while not done.is_set():
            spins += 1

    def stop_when_settled() -> None:
        eventually(lambda: sum(e.kind == "spot_closed" for e in seen) == 10, timeout=20)
        c.stop()

    threads = [threading.Thread(target=spin), threading.Thread(target=stop_when_settled)]
    for t in threads:
        t.start()
    try:
        c.run_forever()
    finally:
        done.set()
        for t in threads:
            t.join()
    assert not c.running
    assert sum(e.kind == "paid" for e in seen) == 10
    assert all(t.status == "confirmed" for t in sandbox.transactions())
    assert spins > 10_000
    # Stopped means stopped: no more requests.
    count = len(sandbox.requests())
    time.sleep(0.1)
    assert len(sandbox.requests()) == count


def test_run_forever_in_a_thread(sandbox: Sandbox, client: Client) -> None:
    c, seen = cashier(client, poll_interval=0.01)
    worker = threading.Thread(target=c.run_forever)
    worker.start()
    try:
        eventually(lambda: c.running)
        with pytest.raises(RuntimeError, match="already running"):
            c.run_once()  # one run at a time per cashier
        spot = sandbox.create_spot(1, "bar")
        sandbox.scan(spot.id)
        eventually(lambda: any(e.kind == "order_created" for e in seen))
        sandbox.confirm(seen[0].transaction_key or "")
        eventually(lambda: any(e.kind == "spot_closed" for e in seen))
    finally:
        c.stop()
        worker.join(5)
    assert not worker.is_alive() and not c.running
    assert kinds(seen) == [(spot.id, "order_created"), (spot.id, "paid"), (spot.id, "spot_closed")]
    assert c.run_once().polling_requests == 2  # free again


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_stop_from_a_signal_handler(sandbox: Sandbox, client: Client) -> None:
    c, _ = cashier(client, poll_interval=0.01)
    previous = signal.signal(signal.SIGUSR1, lambda signum, frame: c.stop())
    try:
        timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGUSR1))
        timer.start()
        start = time.monotonic()
        c.run_forever()
        assert 0.15 < time.monotonic() - start < 2
        timer.join()
    finally:
        signal.signal(signal.SIGUSR1, previous)
    # A stop() that comes before run_forever() counts: it returns at once.
    c.stop()
    start = time.monotonic()
    c.run_forever()
    assert time.monotonic() - start < 0.5


def test_ctrl_c_drops_the_tick_and_the_next_run_finishes_it(sandbox: Sandbox, client: Client) -> None:
    spot = sandbox.create_spot(1, "slow")
    sandbox.scan(spot.id)
    c, seen = cashier(client)
    sandbox.inject_fault("delay", ms=1000, method="POST", path="/transaction")
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        c.run_forever()
    assert time.monotonic() - start < 0.9
    assert not c.running
    timer.join()
    # The create was under way (it lands once the delay is over): a later tick looks the
    # transaction up by its reference before creating one.
    time.sleep(1.0)

    def ordered() -> bool:
        c.run_once()
        return any(e.kind == "order_created" for e in seen)

    eventually(ordered)
    assert len(sandbox.transactions()) == 1


@pytest.mark.event_loop
def test_async_cashier_cancelled_and_stopped(sandbox: Sandbox, client: Client) -> None:
    spot = sandbox.create_spot(1, "t")
    seen: List[Event] = []

    async def on_event(event: Event) -> None:
        seen.append(event)

    async def main() -> None:
        # Over a plain Client too: the engine only borrows its credentials and connections.
        c = AsyncCashier(client, table_price, on_event, poll_interval=0.01, requests_per_minute=0)
        task = asyncio.ensure_future(c.run_forever())
        await asyncio.sleep(0.1)
        assert c.running
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not c.running  # the engine's task is gone once the cancelled one ends
        # A request already on the wire when the task was cancelled may still be journaled
        # by the sandbox; let it land, then nothing new may arrive.
        await asyncio.sleep(0.05)
        count = len(sandbox.requests())
        await asyncio.sleep(0.1)
        assert len(sandbox.requests()) == count  # and it sends nothing more

        # A tick stuck on a slow Paysera, cut short by a deadline.
        sandbox.scan(spot.id)
        sandbox.inject_fault("delay", ms=1000, method="POST", path="/transaction")
        start = time.monotonic()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(c.run_once(), 0.2)
        assert time.monotonic() - start < 0.9 and not c.running

        # stop() ends run_forever after the tick in progress.
        await asyncio.sleep(1.0)  # the delayed create lands
        asyncio.get_running_loop().call_later(0.3, c.stop)
        await c.run_forever()
        assert not c.running

    asyncio.run(main())
    assert [str(e.kind) for e in seen] == ["order_created"]
    assert len(sandbox.transactions()) == 1


def test_the_autopilot(sandbox: Sandbox, client: Client) -> None:
    spot = sandbox.create_spot(1, "r")
    sandbox.scan(spot.id)
    sandbox.set_autopilot("reject")
    c, _ = cashier(client)
    first = c.run_once()  # ordered, and rejected at once
    assert kinds(first.events + c.run_once().events) == [
        (spot.id, "order_created"),
        (spot.id, "rejected"),
        (spot.id, "spot_closed"),
    ]
    sandbox.set_autopilot(None)
    with pytest.raises(InvalidInputError, match="autopilot"):
        sandbox.set_autopilot("maybe")  # type: ignore[arg-type]


def test_bad_options_are_refused_before_anything_runs(client: Client, tmp_path: pathlib.Path) -> None:
    def make(**options: Any) -> Cashier:
        return Cashier(options.pop("client", client), options.pop("price", table_price), print, **options)

    with pytest.raises(TypeError, match="client"):
        make(client=object())
    with pytest.raises(TypeError, match="price must be callable"):
        make(price=1)
    with pytest.raises(TypeError, match="adjust must be callable"):
        make(adjust="no")
    with pytest.raises(InvalidInputError, match="page_size 500"):
        make(page_size=500)
    with pytest.raises(InvalidInputError, match="concurrency"):
        make(concurrency=0)
    with pytest.raises(InvalidInputError, match="requests_per_minute"):
        make(requests_per_minute=-1)
    with pytest.raises(ValueError, match="poll_interval"):
        make(poll_interval=-1)
    with pytest.raises(StoreError, match="cannot"):  # an OSError, not bad input
        make(store=tmp_path / "missing" / "cashier.log")
    with pytest.raises(TypeError, match="pickled"):
        pickle.dumps(make())
    assert isinstance(InvalidInputError("x"), PayseraError)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() on this platform")
@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_a_forked_child_runs_the_cashier(
    sandbox: Sandbox, client: Client, tmp_path: pathlib.Path, store: str
) -> None:
    spot = sandbox.create_spot(1, "t")
    sandbox.scan(spot.id)
    c, seen = cashier(
        client,
        store="memory" if store == "memory" else f"sqlite://{tmp_path}/c.db",
        callback_uri="http://127.0.0.1:9/paysera/callback",  # nobody listens: only journaled
    )
    [ordered] = c.run_once().events  # the engine's connections now belong to this process
    sandbox.confirm(ordered.transaction_key or "")
    [sent] = sandbox.wait_for_callbacks(1)
    body = urllib.parse.urlencode({"event": sent["event"], "sign": sent["sign"]}).encode()
    pid = os.fork()
    if pid == 0:  # gunicorn --preload / Celery prefork: the child gets its own engine
        code = 1
        try:
            signal.alarm(30)
            # The child's engine opens the store again (the parent's writer thread and
            # connections do not exist here): the callback, which reads and writes the store
            # when it is shared, must not hang on them.
            assert c.handle_callback(body) is True
            report = c.run_once()
            code = 0 if kinds(report.events) == [(spot.id, "paid"), (spot.id, "spot_closed")] else 2
        except BaseException as e:  # report, never return into pytest in the child
            print(f"child failed: {e!r}", file=sys.stderr)
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert sandbox.transactions()[0].status == "confirmed"
    assert sandbox.spots()[0].status == "closed"
    assert kinds(seen) == [(spot.id, "order_created")]  # the parent's handler saw only its own


ONE_SHOT = """
import asyncio, sys, threading, time
from paysera_scanpay import AsyncCashier, Cashier
from paysera_scanpay.testing import Sandbox

sandbox = Sandbox()
for i in range(5):
    sandbox.scan(sandbox.create_spot(1, f"t{i}").id)
sandbox.set_autopilot("confirm")
price = lambda spot: [{"description": "x", "price": 100, "currency": "EUR"}]
pause = 0.01 * (int(sys.argv[2]) % 5)
if sys.argv[1] == "async":  # asyncio.run cancels the cashier's task as it ends
    async def main() -> None:
        cashier = AsyncCashier(sandbox.async_client(), price, print, poll_interval=0, requests_per_minute=0)
        asyncio.ensure_future(cashier.run_forever())
        await asyncio.sleep(pause)
    asyncio.run(main())
else:  # the interpreter exits with the cashier running in a daemon thread
    cashier = Cashier(sandbox.client(), price, lambda event: None, poll_interval=0, requests_per_minute=0)
    threading.Thread(target=cashier.run_forever, daemon=True).start()
    time.sleep(pause)
"""


@pytest.mark.event_loop
def test_one_shot_scripts_exit_cleanly_while_a_cashier_runs(tmp_path: pathlib.Path) -> None:
    script = tmp_path / "one_shot.py"
    script.write_text(SCRIPT_PRELUDE + ONE_SHOT)
    runs = [(mode, n) for n in range(8) for mode in ("async", "thread")]

    def run(args: Tuple[str, int]) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, str(script), args[0], str(args[1])]
        return subprocess.run(command, capture_output=True, text=True, timeout=60)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, runs))
    failures = [
        (args, r.returncode, r.stderr[-500:]) for args, r in zip(runs, results) if r.returncode or r.stderr
    ]
    assert failures == []
