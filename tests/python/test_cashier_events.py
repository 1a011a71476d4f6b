"""At-least-once events from Python: an ``on_event`` that raises gets the event again on a later
tick, in order per spot, without holding up other spots; undelivered events survive a restart
over the file store; events say which order was paid. Ticks are counted, never timed: with
``event_retry=0`` a failed event is retried on the next tick."""

from __future__ import annotations

import asyncio
import pathlib
from typing import Any, Dict, List, Tuple

import pytest
from paysera_scanpay import AsyncCashier, Cashier, Client, Event, Spot, UndeliveredEvent
from paysera_scanpay.testing import Sandbox

RETRY_NEXT_TICK: Dict[str, Any] = dict(
    poll_interval=0, requests_per_minute=0, event_retry=0, event_retry_max=0
)


def priced(spot: Spot) -> List[Dict[str, Any]]:
    """The shop sets its own order id in the payment's parameters."""
    return [
        {
            "description": f"Table {spot.identifier}",
            "price": 1000 + spot.id,
            "currency": "EUR",
            "parameters": {"orderid": f"order-{spot.id}"},
        }
    ]


class Shop:
    """An ``on_event`` that raises the first ``failures[(spot_id, kind)]`` times."""

    def __init__(self, failures: Dict[Tuple[int, str], int]) -> None:
        self.failures = dict(failures)
        self.calls: List[Tuple[Event, bool]] = []

    def __call__(self, event: Event) -> None:
        key = (event.spot_id, str(event.kind))
        left = self.failures.get(key, 0)
        ok = left == 0 or event.kind == "error"
        self.calls.append((event, ok))
        if not ok:
            self.failures[key] = left - 1
            raise ConnectionError("database is down")

    def delivered(self, spot_id: int) -> List[str]:
        return [str(e.kind) for e, ok in self.calls if ok and e.spot_id == spot_id and e.kind != "error"]


def test_a_failing_paid_handler_is_retried_and_delivered_once_it_succeeds(
    sandbox: Sandbox, client: Client
) -> None:
    sandbox.set_autopilot("confirm")
    table = sandbox.create_spot(7, "t1")
    sandbox.scan(table.id)
    shop = Shop({(table.id, "paid"): 3})
    cashier = Cashier(client, priced, shop, **RETRY_NEXT_TICK)

    first = cashier.run_once()
    assert [str(e.kind) for e in first.events] == ["order_created", "error"]
    assert first.events[1].message == "event handler failed on paid: ConnectionError: database is down"
    # The money side is done: paid and freed. paid waits, and spot_closed waits behind it.
    assert sandbox.spots()[0].status == "closed" and cashier.records() == []
    waiting = cashier.undelivered()
    assert all(isinstance(u, UndeliveredEvent) for u in waiting)
    assert [(str(u.event.kind), u.attempts) for u in waiting] == [("paid", 1), ("spot_closed", 0)]
    assert waiting[0].last_error == "ConnectionError: database is down"
    assert waiting[0].next_attempt_at_ms > 0 and waiting[0].seq < waiting[1].seq

    for attempts in (2, 3):
        assert [str(e.kind) for e in cashier.run_once().events] == ["error"]
        assert cashier.undelivered()[0].attempts == attempts
    last = cashier.run_once()
    assert [str(e.kind) for e in last.events] == ["paid", "spot_closed"]
    assert cashier.undelivered() == []
    assert cashier.run_once().events == []

    # Tried four times, acknowledged once; then spot_closed, in order.
    assert [ok for e, ok in shop.calls if e.kind == "paid"] == [False, False, False, True]
    assert shop.delivered(table.id) == ["order_created", "paid", "spot_closed"]
    paid = last.events[0]
    assert paid.id == f"{paid.reference}:paid"
    assert paid.parameters == {"orderid": f"order-{table.id}", "scanpay_reference": paid.reference}
    assert (paid.spot_id, paid.location_id) == (table.id, 7)
    assert paid.transaction_key == sandbox.transactions()[0].transaction_key
    assert [m.price for m in paid.amounts] == [1000 + table.id]


def test_a_spot_whose_handler_keeps_failing_does_not_hold_up_the_others(
    sandbox: Sandbox, client: Client
) -> None:
    sandbox.set_autopilot("confirm")
    stuck = sandbox.create_spot(1, "stuck")
    others = [sandbox.create_spot(1, f"t{i}") for i in range(3)]
    for spot in [stuck, *others]:
        sandbox.scan(spot.id)
    shop = Shop({(stuck.id, "order_created"): 1_000_000})
    cashier = Cashier(client, priced, shop, **RETRY_NEXT_TICK)
    for _ in range(3):
        cashier.run_once()
    assert all(s.status == "closed" for s in sandbox.spots())
    for spot in others:
        assert shop.delivered(spot.id) == ["order_created", "paid", "spot_closed"]
    assert shop.delivered(stuck.id) == []
    waiting = cashier.undelivered()
    assert [(u.event.spot_id, str(u.event.kind)) for u in waiting] == [
        (stuck.id, "order_created"),
        (stuck.id, "paid"),
        (stuck.id, "spot_closed"),
    ]
    assert waiting[0].attempts == 3


def test_undelivered_events_survive_a_restart_over_the_file_store(
    sandbox: Sandbox, client: Client, tmp_path: pathlib.Path
) -> None:
    sandbox.set_autopilot("confirm")
    table = sandbox.create_spot(1, "t1")
    sandbox.scan(table.id)
    store = tmp_path / "cashier.log"
    down = Shop({(table.id, "paid"): 1_000_000})
    crashed = Cashier(client, priced, down, store, **RETRY_NEXT_TICK)
    crashed.run_once()
    assert [str(u.event.kind) for u in crashed.undelivered()] == ["paid", "spot_closed"]
    del crashed  # the process dies with the shop's database still down

    up = Shop({})
    restarted = Cashier(client, priced, up, store, **RETRY_NEXT_TICK)
    assert [(str(u.event.kind), u.attempts) for u in restarted.undelivered()] == [
        ("paid", 1),
        ("spot_closed", 0),
    ]
    report = restarted.run_once()
    assert [str(e.kind) for e in report.events] == ["paid", "spot_closed"]
    assert report.events[0].parameters["orderid"] == f"order-{table.id}"
    assert restarted.undelivered() == []
    assert Cashier(client, priced, up, store).undelivered() == []


@pytest.mark.event_loop
def test_an_async_handler_is_acknowledged_when_its_coroutine_completes(
    sandbox: Sandbox, client: Client
) -> None:
    sandbox.set_autopilot("confirm")
    table = sandbox.create_spot(1, "t1")
    sandbox.scan(table.id)
    attempts: List[str] = []

    async def on_event(event: Event) -> None:
        await asyncio.sleep(0)
        attempts.append(str(event.kind))
        if event.kind == "paid" and attempts.count("paid") == 1:
            raise ConnectionError("database is down")

    async def run() -> List[List[str]]:
        cashier = AsyncCashier(client, priced, on_event, **RETRY_NEXT_TICK)
        first = await cashier.run_once()
        assert [str(u.event.kind) for u in cashier.undelivered()] == ["paid", "spot_closed"]
        second = await cashier.run_once()
        assert cashier.undelivered() == []
        return [[str(e.kind) for e in r.events] for r in (first, second)]

    assert asyncio.run(run()) == [["order_created", "error"], ["paid", "spot_closed"]]
    assert attempts == ["order_created", "paid", "error", "paid", "spot_closed"]
