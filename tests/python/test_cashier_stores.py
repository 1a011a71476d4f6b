"""Stores chosen by URL from Python: SQLite and Postgres keep what a cashier started, so a new
cashier over the same URL finishes it; cashiers over one store take turns (one active, the
others standing by); ``stats()`` says which; no password is ever shown. The Postgres cases run
against the real server `scripts/with-postgres.sh` starts (``PAYSERA_TEST_POSTGRES_URL``)."""

from __future__ import annotations

import os
import pathlib
import threading
import time
import uuid
from typing import Any, Dict, Iterator, List

import pytest
from paysera_scanpay import (
    Cashier,
    CashierStats,
    Client,
    Event,
    InvalidInputError,
    Spot,
    StoreError,
)
from paysera_scanpay.testing import Sandbox

FAST: Dict[str, Any] = dict(poll_interval=0.05, requests_per_minute=0, lease_ttl=1.0)


def priced(spot: Spot) -> List[Dict[str, Any]]:
    return [{"description": f"Table {spot.identifier}", "price": 1250, "currency": "EUR"}]


def postgres_url() -> str:
    url = os.environ.get("PAYSERA_TEST_POSTGRES_URL", "")
    if not url:
        if os.environ.get("PAYSERA_REQUIRE_POSTGRES") == "1":
            pytest.fail("PAYSERA_TEST_POSTGRES_URL is not set (scripts/with-postgres.sh)")
        pytest.skip("no Postgres (run under scripts/with-postgres.sh)")
    return url


def fresh_postgres() -> str:
    """A database of its own on the test server, for one test."""
    import subprocess

    url = postgres_url()
    name = "py_" + uuid.uuid4().hex[:12]
    admin = os.environ.get("PAYSERA_TEST_POSTGRES_ADMIN", url)
    psql = sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin/psql"))[-1]
    subprocess.run([str(psql), admin, "-qc", f"CREATE DATABASE {name}"], check=True)
    return url.rsplit("/", 1)[0] + "/" + name


def over_tls(url: str, ca_variable: str = "PAYSERA_TEST_POSTGRES_CA", mode: str = "verify-full") -> str:
    """``url`` over TLS, checked against the test server's CA (or another): its certificate names
    ``localhost``, which reaches the server (listening on 127.0.0.1) through ``hostaddr``."""
    ca = os.environ[ca_variable]
    return url.replace("@127.0.0.1:", "@localhost:") + f"?hostaddr=127.0.0.1&sslmode={mode}&sslrootcert={ca}"


@pytest.fixture(params=["sqlite", "postgres", "postgres-one-connection", "postgres-verify-full"])
def store(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path}/cashier.db"
    elif request.param == "postgres":
        yield fresh_postgres()
    elif request.param == "postgres-one-connection":
        # What a web worker that only hands callbacks over would use.
        yield fresh_postgres() + "?pool_size=1"
    else:
        # What a managed database (RDS, Cloud SQL, Neon...) would use.
        yield over_tls(fresh_postgres())


def test_a_new_cashier_over_the_same_store_finishes_what_the_last_one_started(
    sandbox: Sandbox, client: Client, store: str
) -> None:
    table = sandbox.create_spot(1, "t1")
    sandbox.scan(table.id)
    first = Cashier(client, priced, lambda e: None, store, **FAST)
    first.run_once()
    [record] = first.records()
    assert record.stage == "ordered"
    del first  # the process ends; the store keeps the check-in

    [tx] = sandbox.transactions()
    sandbox.confirm(tx.transaction_key)
    events: List[Event] = []
    second = Cashier(client, priced, events.append, store, **FAST)
    second.run_once()
    assert [str(e.kind) for e in events] == ["paid", "spot_closed"]
    assert events[0].reference == record.reference
    assert len(sandbox.transactions()) == 1  # nothing created twice
    assert str(sandbox.transactions()[0].status) == "confirmed"


def test_cashiers_over_one_store_take_turns(sandbox: Sandbox, client: Client, store: str) -> None:
    table = sandbox.create_spot(1, "t1")
    sandbox.scan(table.id)
    active = Cashier(client, priced, lambda e: None, store, **FAST)
    standby = Cashier(client, priced, lambda e: None, store, **FAST)
    runner = threading.Thread(target=active.run_forever, daemon=True)
    runner.start()
    try:
        deadline = time.monotonic() + 20
        while active.stats().role != "active" or not sandbox.transactions():
            assert time.monotonic() < deadline, active.stats()
            time.sleep(0.02)
        report = standby.run_once()
        assert report.polling_requests == 0 and report.action_requests == 0
        stats = standby.stats()
        assert isinstance(stats, CashierStats)
        assert stats.role == "standby"
        assert stats.active_owner == active.stats().owner != stats.owner
        assert len(sandbox.transactions()) == 1
    finally:
        active.stop()
        runner.join(timeout=30)
    # A clean stop lets the lease go: the other takes over at once.
    standby.run_once()
    assert standby.stats().role == "idle"  # run_once gives the lease up again afterwards
    assert standby.stats().ticks == 2 and standby.stats().consecutive_errors == 0


def test_stats_report_health(sandbox: Sandbox, client: Client, tmp_path: pathlib.Path) -> None:
    table = sandbox.create_spot(1, "t1")
    sandbox.scan(table.id)
    cashier = Cashier(client, priced, lambda e: None, f"sqlite://{tmp_path}/c.db", requests_per_minute=60)
    before = cashier.stats()
    assert (before.role, before.ticks, before.last_tick_at_ms, before.running) == ("idle", 0, None, False)
    assert before.store == f"sqlite://{tmp_path}/c.db"
    cashier.run_once()
    after = cashier.stats()
    assert after.ticks == 1 and after.last_tick_at_ms is not None
    assert after.open_records == 1 and after.oldest_record_age_s is not None
    assert after.undelivered_events == 0
    assert after.budget_tokens is not None and after.budget_tokens < 60
    assert after.paused_until_ms is None


def test_bad_and_unreachable_stores_say_so_without_the_password(client: Client) -> None:
    with pytest.raises(InvalidInputError, match="unknown scheme") as bad:
        Cashier(client, priced, lambda e: None, "mysql://shop:hunter2@db/shop")
    assert "hunter2" not in str(bad.value)
    with pytest.raises(StoreError) as unreachable:
        Cashier(client, priced, lambda e: None, "postgres://shop:hunter2@127.0.0.1:1/shop")
    text = str(unreachable.value)
    assert "127.0.0.1:1" in text and "shop:***@" in text and "hunter2" not in text
    assert "hunter2" not in repr(unreachable.value)
    for size in ("0", "33", "many"):
        with pytest.raises(InvalidInputError, match="pool_size must be a whole number from 1 to 32") as pool:
            Cashier(client, priced, lambda e: None, f"postgres://shop:hunter2@db/shop?pool_size={size}")
        assert "hunter2" not in str(pool.value)


def test_tls_to_postgres_refuses_a_server_it_cannot_trust_and_bad_settings(client: Client) -> None:
    url = postgres_url().replace("postgres://postgres@", "postgres://postgres:hunter2@")
    with pytest.raises(StoreError, match="UnknownIssuer") as untrusted:
        Cashier(client, priced, lambda e: None, over_tls(url, "PAYSERA_TEST_POSTGRES_OTHER_CA"))
    assert "hunter2" not in str(untrusted.value) and "postgres:***@localhost" in str(untrusted.value)
    with pytest.raises(StoreError, match="not valid for name"):  # the certificate names localhost
        Cashier(client, priced, lambda e: None, over_tls(url).replace("@localhost:", "@127.0.0.1:"))
    for query, why in [
        ("sslmode=allow", "sslmode must be disable, prefer, require, verify-ca or verify-full"),
        ("sslmode=verify-full", "sslmode=verify-full needs sslrootcert="),
        ("sslmode=require&sslrootcert=system", "sslrootcert=system needs sslmode=verify-full"),
        ("sslmode=verify-ca&sslrootcert=/nowhere/ca.pem", 'sslrootcert "/nowhere/ca.pem": cannot read it'),
    ]:
        with pytest.raises(InvalidInputError, match=why) as refused:
            Cashier(client, priced, lambda e: None, f"postgres://shop:hunter2@db/shop?{query}")
        assert "hunter2" not in str(refused.value)


def test_repr_redacts_the_password(client: Client) -> None:
    url = postgres_url().replace("postgres://postgres@", "postgres://postgres:hunter2@")
    cashier = Cashier(client, priced, lambda e: None, url)
    assert "hunter2" not in repr(cashier) and "***" in repr(cashier)
    assert "hunter2" not in cashier.stats().store
