"""Core log records reach logging.getLogger("paysera_scanpay"), with no secret in them, at the
time they were made and with the core's structured fields."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import List

import pytest
from paysera_scanpay import AuthenticationError, Cashier, Client, Event
from paysera_scanpay.testing import Sandbox

SECRET = "s3cr3t-MAC-key-for-logging"
WRONG = "wr0ng-MAC-key-for-logging"


def test_core_events_are_logged_without_secrets(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="paysera_scanpay")
    with Sandbox("shop-1", SECRET) as sandbox:
        sandbox.inject_fault("error", status=503, path="/spots")  # retried, with a warning
        with sandbox.client() as client:
            client.list_spots()
            client.create_transaction([{"description": "x", "price": 1, "currency": "EUR"}])
        with Client("shop-1", WRONG, base_url=sandbox.base_url) as wrong, pytest.raises(AuthenticationError):
            wrong.list_spots()
    records = [r for r in caplog.records if r.name.startswith("paysera_scanpay")]
    messages = [r.getMessage() for r in records]
    assert any(r.levelno == logging.WARNING and "retry 1/2" in r.getMessage() for r in records), messages
    assert any(
        r.levelno == logging.DEBUG and "-> POST /rest/v1/transaction" in m for r, m in zip(records, messages)
    )
    assert any(r.name == "paysera_scanpay.sandbox" for r in records)
    for text in messages:
        assert SECRET not in text and WRONG not in text
        assert "MAC id=" not in text and "mac=" not in text and "Authorization" not in text


def test_level_follows_the_python_logger(
    sandbox: Sandbox, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="paysera_scanpay")
    client.list_spots()
    assert [r for r in caplog.records if r.name.startswith("paysera_scanpay")] == []
    caplog.set_level(logging.DEBUG, logger="paysera_scanpay")
    client.list_spots()
    assert any("-> GET /rest/v1/spots" in r.getMessage() for r in caplog.records)


@pytest.mark.event_loop
def test_records_keep_the_time_they_were_made_in_rust(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="paysera_scanpay")

    async def main() -> float:
        async with sandbox.async_client() as client:
            task = asyncio.ensure_future(client.list_spots())
            await asyncio.sleep(0)  # the request starts...
            time.sleep(0.6)  # ...and finishes while the loop is blocked: its records wait in Rust
            released = time.time()
            await task
            return released

    released = asyncio.run(main())
    [sent] = [r for r in caplog.records if "-> GET /rest/v1/spots" in r.getMessage()]
    [answered] = [r for r in caplog.records if "<- 200 GET /rest/v1/spots" in r.getMessage()]
    for record in (sent, answered):
        assert record.created < released - 0.3, (record.created, released)
        assert record.msecs == int(record.created % 1 * 1000)
        assert (
            logging.Formatter("%(asctime)s")
            .format(record)
            .startswith(time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.created)))
        )
    assert sent.created <= answered.created


def test_records_carry_the_core_s_structured_fields(
    sandbox: Sandbox, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="paysera_scanpay")
    spot = sandbox.create_spot(1, "t1")
    sandbox.scan(spot.id)
    events: List[Event] = []
    price = [{"description": "Table", "price": 1299, "currency": "EUR"}]
    Cashier(client, lambda spot: price, events.append, poll_interval=0, requests_per_minute=0).run_once()
    [ordered] = events
    [record] = [r for r in caplog.records if r.getMessage().startswith("cashier order_created")]
    assert record.spot == spot.id  # type: ignore[attr-defined]
    assert record.reference == ordered.reference  # type: ignore[attr-defined]
    assert record.transaction_key == ordered.transaction_key  # type: ignore[attr-defined]

    answered = [r for r in caplog.records if r.getMessage().startswith("<- 200 ")]
    assert answered and all(r.correlation_id.startswith("sandbox-") for r in answered)  # type: ignore[attr-defined]
    ids = {r.correlation_id for r in answered}  # type: ignore[attr-defined]
    assert len(ids) == len(answered)  # one per response, as Paysera's support asks for it
