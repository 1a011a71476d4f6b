"""A smaller chaos run of the cashier from Python: 30 tables, customers who confirm, reject or walk
away (decided by spot id), a few percent of requests hit by faults of every kind, an event handler
that fails about 10% of the time, and the cashier cancelled mid-tick or stopped, then re-created
from the same file store, again and again. Every event is delivered at least once, and exactly
once after de-duplication by id."""

from __future__ import annotations

import asyncio
import collections
import pathlib
import random
import threading
import time
from typing import Any, Awaitable, Dict, List, Optional, Set, Union

import pytest
from paysera_scanpay import AsyncCashier, Cashier, Event, PayseraError, Spot, TickReport
from paysera_scanpay.testing import Sandbox

SPOTS = 30
ROUNDS_WITH_RESTARTS = 6  # then plain ticks until everything is settled

FAULTS: List[Dict[str, Any]] = [
    {"kind": "error", "status": 503, "code": "internal_server_error", "probability": 0.02},
    {"kind": "error", "status": 500, "code": "internal_server_error", "probability": 0.01},
    {"kind": "rate_limit", "retry_after": 0, "probability": 0.015},
    {"kind": "drop", "probability": 0.015},
    {"kind": "apply_then_drop", "probability": 0.03},
    {"kind": "truncate", "probability": 0.005},
    {"kind": "malformed", "probability": 0.005},
    {"kind": "delay", "ms": 30, "probability": 0.01},
]


def payments(spot: Spot) -> List[Dict[str, Any]]:
    cents = 500 + (spot.id % 7) * 100
    return [{"description": f"Table {spot.identifier}", "price": cents, "currency": "EUR"}]


async def async_payments(spot: Spot) -> List[Dict[str, Any]]:
    await asyncio.sleep(0.001)
    return payments(spot)


def mixed_price(spot: Spot) -> Union[List[Dict[str, Any]], Awaitable[List[Dict[str, Any]]]]:
    """Sync for some tables, async for others."""
    return payments(spot) if spot.id % 2 else async_payments(spot)


def customers_act(sandbox: Sandbox, decided: Set[str], violations: List[str]) -> List[str]:
    """The customers look at their apps: each live order is confirmed, rejected or ignored,
    depending on its spot id. Returns the keys confirmed."""
    confirmed = []
    status = {t.transaction_key: t.status for t in sandbox.transactions()}
    for spot in sandbox.spots():
        live = [o for o in spot.orders or [] if o.status in ("pending", "reserved")]
        if len(live) > 1:
            violations.append(f"spot {spot.id} has {len(live)} live orders")
        for order in live:
            key = order.transaction_key
            if key in decided or status.get(key) != "new":
                continue
            decided.add(key)
            choice = spot.id % 10
            if choice < 6:
                sandbox.confirm(key)
                confirmed.append(key)
            elif choice < 8:
                sandbox.reject(key)
            # else the customer walks away
    return confirmed


@pytest.mark.event_loop
def test_chaos_faults_kills_and_restarts(sandbox: Sandbox, tmp_path: pathlib.Path) -> None:
    for i in range(SPOTS):
        spot = sandbox.create_spot(1 + i % 3, f"t{i}")
        sandbox.scan(spot.id, user_id=1000 + i)
    # About 10% of requests fail, in every way, reproducibly.
    for seed, fault in enumerate(FAULTS, 1000):
        sandbox.inject_fault(seed=seed, **fault)

    store = tmp_path / "cashier.log"
    # Events the handler acknowledged (returned without raising), duplicates included.
    events: List[Event] = []
    blips = random.Random(7)
    failed: List[Event] = []

    def on_event(event: Event) -> None:
        """The shop's database blips on about 10% of the events."""
        if event.kind != "error" and blips.random() < 0.1:
            failed.append(event)
            raise ConnectionError("database blip")
        events.append(event)

    decided: Set[str] = set()
    violations: List[str] = []
    customer_confirms: List[str] = []
    reports: List[TickReport] = []
    options: Dict[str, Any] = dict(
        store=store,
        poll_interval=0.005,
        requests_per_minute=0,
        customer_timeout=1.0,
        page_size=10,
        concurrency=4,
        event_retry=0.005,
        event_retry_max=0.02,
    )
    restarts = {"cancelled": 0, "stopped": 0}
    started = time.monotonic()

    async def tick_until_cancelled(cashier: AsyncCashier) -> None:
        while True:
            try:
                reports.append(await cashier.run_once())
            except PayseraError:
                pass  # a tick that could not poll (Paysera failing): the next one tries again

    round_ = 0
    while True:
        round_ += 1
        assert time.monotonic() - started < 20, "the cashier did not settle in time"
        if round_ <= ROUNDS_WITH_RESTARTS and round_ % 2:
            # A new asyncio cashier over the same log, killed mid-tick (task cancellation).
            async def killed(round_: int) -> None:
                async def async_on_event(event: Event) -> None:
                    on_event(event)

                cashier = AsyncCashier(sandbox.async_client(), mixed_price, async_on_event, **options)
                timeout = 0.015 + (round_ * 37 % 60) / 1000
                try:
                    await asyncio.wait_for(tick_until_cancelled(cashier), timeout)
                except asyncio.TimeoutError:
                    pass
                assert not cashier.running

            asyncio.run(killed(round_))
            restarts["cancelled"] += 1
        elif round_ <= ROUNDS_WITH_RESTARTS:
            # A new blocking cashier, run in a thread and stopped cleanly between ticks.
            cashier = Cashier(sandbox.client(), payments, on_event, **options)
            worker = threading.Thread(target=cashier.run_forever)
            worker.start()
            time.sleep(0.04 + round_ * 0.01)
            cashier.stop()
            worker.join(10)
            assert not worker.is_alive()
            restarts["stopped"] += 1
        else:
            cashier = Cashier(sandbox.client(), payments, on_event, **options)
            for _ in range(3):
                try:
                    reports.append(cashier.run_once())
                except PayseraError:
                    pass
        customer_confirms += customers_act(sandbox, decided, violations)
        last: Optional[Cashier] = cashier if round_ > ROUNDS_WITH_RESTARTS else None
        settled = last is not None and not last.records() and not last.undelivered()
        if settled and all(s.status == "closed" for s in sandbox.spots()):
            break
        time.sleep(0.02)

    assert restarts == {"cancelled": 3, "stopped": 3}
    assert violations == []
    assert reports and max(r.polling_requests for r in reports) == 2
    assert all(r.polling_requests <= 2 for r in reports)

    txs = sandbox.transactions()
    # At most one transaction per check-in, and every check-in got one.
    per_reference = collections.Counter(
        (t.payments or [])[0].parameters["scanpay_reference"]  # type: ignore[index]
        for t in txs
    )
    assert [r for r, n in per_reference.items() if n > 1] == []
    assert len(per_reference) == SPOTS

    # Every customer confirmation: exactly one confirmed transaction, and its paid event delivered
    # at least once, exactly once after de-duplication by id, with the payment's parameters.
    confirmed = sorted(t.transaction_key for t in txs if t.status == "confirmed")
    assert len(customer_confirms) > 5
    assert confirmed == sorted(customer_confirms)
    assert len(failed) >= 3, "the handler failed too rarely to test retries"
    paid = collections.Counter(e.transaction_key for e in events if e.kind == "paid")
    assert [key for key in confirmed if paid[key] < 1] == []
    unique = {e.id: e for e in events}
    paid_once = collections.Counter(e.transaction_key for e in unique.values() if e.kind == "paid")
    assert {key: paid_once[key] for key in confirmed} == {key: 1 for key in confirmed}
    assert sum(paid_once.values()) == len(confirmed)
    for e in unique.values():
        if e.kind == "paid":
            assert e.parameters["scanpay_reference"] == e.reference

    # Nothing left reserved; rejections and walk-aways reported as such.
    def reported(kind: str, key: str) -> bool:
        return any(e.kind == kind and e.transaction_key == key for e in events)

    for t in txs:
        key = t.transaction_key
        if t.status == "rejected":
            assert reported("rejected", key), key
        elif t.status == "revoked":
            assert reported("expired", key), key
        else:
            assert t.status == "confirmed", (key, t.status)

    # Every spot closed, and reported closed.
    assert [s.id for s in sandbox.spots() if s.status != "closed"] == []
    assert len({e.spot_id for e in events if e.kind == "spot_closed"}) == SPOTS

    hit = [r for r in sandbox.requests() if r["fault"] is not None]
    assert len(hit) >= 5
    assert len({r["fault"] for r in hit}) >= 3
