"""The Django app (`paysera_scanpay.contrib.django`) in a real Django project
(tests/python/django_project), against the embedded sandbox: settings and the system check, the
store URL from DATABASES, one client per process (and a new one after fork), `run_cashier`, and
the callback view with its signal, in a web process and served by `run_cashier
--callback-port`."""

from __future__ import annotations

import logging
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, Iterator, List

import django
import pytest
from paysera_scanpay.testing import Sandbox

# Django reads the variable once, here; other tests' subprocesses must not inherit it.
os.environ["DJANGO_SETTINGS_MODULE"] = "django_project.settings"
django.setup()
del os.environ["DJANGO_SETTINGS_MODULE"]

from django import test as django_test  # noqa: E402
from django.core import checks  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402
from django.core.management import CommandError, call_command  # noqa: E402
from django.core.management.base import SystemCheckError  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from django_project import shop  # noqa: E402
from paysera_scanpay.contrib.django import (  # noqa: E402
    get_cashier,
    get_client,
    paysera_settings,
    store_url,
)
from paysera_scanpay.contrib.django.signals import callback_received  # noqa: E402

TESTS = pathlib.Path(__file__).resolve().parent
#: Nobody listens here: the sandbox journals the callbacks it could not deliver.
LOST = "http://127.0.0.1:9/paysera/callback"
SECRET = "mac-key-that-must-never-show"


def eventually(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def paysera(sandbox: Sandbox, **extra: Any) -> Dict[str, Any]:
    conf: Dict[str, Any] = {
        "CLIENT_ID": sandbox.client_id,
        "MAC_KEY": sandbox.mac_key,
        "BASE_URL": sandbox.base_url,
        "STORE": "memory",
        "PRICE": "django_project.shop.price",
        "ON_EVENT": "django_project.shop.on_event",
        "REQUESTS_PER_MINUTE": 0,
    }
    conf.update(extra)
    return conf


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("PAYSERA_CLIENT_ID", raising=False)
    monkeypatch.delenv("PAYSERA_MAC_KEY", raising=False)
    shop.EVENTS.clear()
    yield
    shop.EVENTS.clear()


def paysera_errors() -> List[checks.CheckMessage]:
    found: List[checks.CheckMessage] = checks.run_checks(tags=["paysera"])
    return found


# --- settings and the check ------------------------------------------------------------------


def test_the_check_reports_missing_credentials() -> None:
    with override_settings(PAYSERA={"STORE": "memory"}):
        ids = {e.id for e in paysera_errors()}
        assert ids == {"paysera_scanpay.E001", "paysera_scanpay.E002"}
        with pytest.raises(SystemCheckError, match=r"paysera_scanpay\.E001"):
            call_command("check")
        with pytest.raises(ImproperlyConfigured, match="client id"):
            paysera_settings()


def test_the_check_passes_when_configured(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    with override_settings(PAYSERA=paysera(sandbox)):
        assert paysera_errors() == []
        call_command("check")
    # The credentials may come from the environment instead.
    monkeypatch.setenv("PAYSERA_CLIENT_ID", sandbox.client_id)
    monkeypatch.setenv("PAYSERA_MAC_KEY", sandbox.mac_key)
    with override_settings(PAYSERA={"STORE": "memory", "PRICE": "django_project.shop.price"}):
        assert paysera_errors() == []
        assert paysera_settings().client_id == sandbox.client_id


@pytest.mark.parametrize(
    ("extra", "expected", "fragment"),
    [
        ({"PRICE": "django_project.shop.no_such_function"}, "E004", "no_such_function"),
        ({"ON_EVENT": "no_such_module.on_event"}, "E004", "no_such_module"),
        ({"ON_EVENT": "django_project.shop.NOT_A_FUNCTION"}, "E004", "not callable"),
        ({"CALLBACK_URI": "/paysera/callback"}, "E006", "CALLBACK_URI"),
        ({"STORE": "mysql://shop:hunter2@db/shop"}, "E005", "'mysql'"),
        ({"STORE": "/no/such/directory/cashier.log"}, "E005", "/no/such/directory"),
        ({"POLL_INTERVAL": "3"}, "E003", "POLL_INTERVAL"),
        ({"PAGE_SIZE": 1.5}, "E003", "PAGE_SIZE"),
        ({"PROJECT_ID": "12"}, "E003", "PROJECT_ID"),
        ({"BASE_URL": "wallet.paysera.com"}, "E003", "BASE_URL"),
        ({"TYPO": 1}, "E003", "TYPO"),
    ],
)
def test_the_check_reports_bad_settings(
    sandbox: Sandbox, extra: Dict[str, Any], expected: str, fragment: str
) -> None:
    with override_settings(PAYSERA=paysera(sandbox, MAC_KEY=SECRET, **extra)):
        [error] = paysera_errors()
    assert error.id == f"paysera_scanpay.{expected}"
    assert fragment in error.msg
    assert SECRET not in f"{error.msg} {error.hint}"
    assert "hunter2" not in f"{error.msg} {error.hint}"


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_the_check_reports_a_store_the_database_cannot_hold(sandbox: Sandbox) -> None:
    conf = paysera(sandbox)
    del conf["STORE"]  # the store then comes from DATABASES
    mysql = {"default": {"ENGINE": "django.db.backends.mysql", "NAME": "shop", "PASSWORD": "hunter2"}}
    with override_settings(PAYSERA=conf, DATABASES=mysql):
        [error] = paysera_errors()
    assert error.id == "paysera_scanpay.E005"
    assert "django.db.backends.mysql" in error.msg
    assert "hunter2" not in error.msg
    with override_settings(PAYSERA=conf):  # the project's sqlite3 file: fine
        assert paysera_errors() == []


def test_the_mac_key_shows_nowhere(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with override_settings(PAYSERA=paysera(sandbox, CLIENT_ID=sandbox.client_id)):
        settings_repr = repr(paysera_settings())
        client_repr = repr(get_client())
        cashier_repr = repr(get_cashier())
        call_command("run_cashier", "--once")
    shown = " ".join([settings_repr, client_repr, cashier_repr, caplog.text])
    assert sandbox.client_id in settings_repr
    assert sandbox.mac_key not in shown
    with override_settings(PAYSERA={"MAC_KEY": SECRET, "STORE": 1}):
        messages = [f"{e.msg} {e.hint}" for e in paysera_errors()]
        with pytest.raises(ImproperlyConfigured) as refused:
            paysera_settings()
    assert messages and not any(SECRET in m for m in messages)
    assert SECRET not in str(refused.value)


# --- the store from DATABASES ----------------------------------------------------------------


def test_store_url_for_postgres() -> None:
    engine = "django.db.backends.postgresql"
    assert (
        store_url(
            {
                "ENGINE": engine,
                "NAME": "shop",
                "USER": "sh@p",
                "PASSWORD": "p:a/s s",
                "HOST": "db",
                "PORT": 6543,
            }
        )
        == "postgres://sh%40p:p%3Aa%2Fs%20s@db:6543/shop"
    )
    assert (
        store_url({"ENGINE": engine, "NAME": "shop", "USER": "shop"}) == "postgres://shop@localhost:5432/shop"
    )
    assert (
        store_url({"ENGINE": engine, "NAME": "shop", "HOST": "", "PORT": ""})
        == "postgres://localhost:5432/shop"
    )
    assert (
        store_url({"ENGINE": engine, "NAME": "shop", "USER": "u", "HOST": "/run/postgresql"})
        == "postgres://u@%2Frun%2Fpostgresql:5432/shop"
    )
    assert (
        store_url(
            {
                "ENGINE": "django.contrib.gis.db.backends.postgis",
                "NAME": "geo",
                "OPTIONS": {"sslmode": "require"},
            }
        )
        == "postgres://localhost:5432/geo?sslmode=require"
    )
    assert (
        store_url(
            {
                "ENGINE": engine,
                "NAME": "shop",
                "HOST": "db.example.com",
                "OPTIONS": {"sslmode": "verify-full", "sslrootcert": "/etc/ssl/rds ca.pem"},
            }
        )
        == "postgres://db.example.com:5432/shop?sslmode=verify-full&sslrootcert=%2Fetc%2Fssl%2Frds%20ca.pem"
    )
    for unsupported in ("sslcert", "sslkey"):
        with pytest.raises(ImproperlyConfigured, match=f"OPTIONS'\\]\\['{unsupported}'\\]"):
            store_url(
                {"ENGINE": engine, "NAME": "shop", "OPTIONS": {"sslmode": "require", unsupported: "/c.pem"}}
            )


def test_store_url_for_sqlite(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = "django.db.backends.sqlite3"
    assert store_url({"ENGINE": engine, "NAME": tmp_path / "db.sqlite3"}) == f"sqlite://{tmp_path}/db.sqlite3"
    monkeypatch.chdir(tmp_path)
    assert store_url({"ENGINE": engine, "NAME": "db.sqlite3"}) == f"sqlite://{tmp_path}/db.sqlite3"
    for in_memory in (":memory:", "file:memorydb_default?mode=memory&cache=shared", ""):
        with pytest.raises(ImproperlyConfigured, match="in-memory SQLite"):
            store_url({"ENGINE": engine, "NAME": in_memory})


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_store_url_for_other_engines_names_the_engine() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"django\.db\.backends\.oracle"):
        store_url({"ENGINE": "django.db.backends.oracle", "NAME": "shop", "PASSWORD": "hunter2"})
    with override_settings(DATABASES={"default": {"ENGINE": "django.db.backends.mysql", "NAME": "x"}}):
        with pytest.raises(ImproperlyConfigured, match=r"django\.db\.backends\.mysql"):
            store_url()
    with override_settings(DATABASES={}):
        with pytest.raises(ImproperlyConfigured, match="'default'"):
            store_url()


def test_store_url_reads_the_projects_databases() -> None:
    from django.conf import settings

    assert store_url() == "sqlite://" + settings.DATABASES["default"]["NAME"]


# --- one client per process ------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() on this platform")
def test_one_client_per_process_and_a_new_one_after_fork(sandbox: Sandbox) -> None:
    with override_settings(PAYSERA=paysera(sandbox)):
        client = get_client()
        assert get_client() is client
        client.server_time()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: a fresh client, shared within the child, that works
            try:
                mine = get_client()
                works = mine.server_time() > 0
                os.write(write, f"{mine is client} {get_client() is mine} {works}".encode())
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read) as answer:
            reported = answer.read()
        os.waitpid(pid, 0)
        assert reported == "False True True"
        assert get_client() is client  # the parent keeps its own
    with override_settings(PAYSERA=paysera(sandbox, LOCATION_ID=1)):
        assert get_client() is not client  # other settings (tests), another client


# --- run_cashier -----------------------------------------------------------------------------


def test_run_cashier_once_prices_a_waiting_spot(sandbox: Sandbox) -> None:
    spot = sandbox.create_spot(1, "table7")
    sandbox.scan(spot.id)
    with override_settings(PAYSERA=paysera(sandbox, PRICE=None, ON_EVENT=None)):
        call_command(
            "run_cashier",
            "--once",
            "--price",
            "django_project.shop.price",
            "--on-event",
            "django_project.shop.on_event",
        )
    [tx] = sandbox.transactions()
    [payment] = tx.payments or []
    assert payment.price == 1250
    assert (payment.parameters or {})["orderid"] == f"A-{spot.id}"
    [order] = sandbox.spots()[0].orders or []
    assert order.transaction_key == tx.transaction_key
    assert [str(e.kind) for e in shop.EVENTS] == ["order_created"]


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_run_cashier_keeps_its_records_in_the_shops_postgres(sandbox: Sandbox) -> None:
    """Without PAYSERA['STORE'], the cashier's store is the shop's own Postgres (DATABASES): a
    check-in started by one `run_cashier --once` is finished by the next, through the tables it
    created there."""
    import subprocess
    import urllib.parse
    import uuid

    server = os.environ.get("PAYSERA_TEST_POSTGRES_URL", "")
    if not server:
        if os.environ.get("PAYSERA_REQUIRE_POSTGRES") == "1":
            pytest.fail("PAYSERA_TEST_POSTGRES_URL is not set (scripts/with-postgres.sh)")
        pytest.skip("no Postgres (run under scripts/with-postgres.sh)")
    name = "dj_" + uuid.uuid4().hex[:12]
    psql = str(sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin/psql"))[-1])
    admin = os.environ.get("PAYSERA_TEST_POSTGRES_ADMIN", server)
    subprocess.run([psql, admin, "-qc", f"CREATE DATABASE {name}"], check=True)
    parts = urllib.parse.urlsplit(server)
    databases = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": parts.username,
            "PASSWORD": "s3cret/with:chars",  # trust authentication: any password is accepted
            "HOST": parts.hostname,
            "PORT": str(parts.port),
        }
    }
    spot = sandbox.create_spot(1, "table8")
    sandbox.scan(spot.id)
    conf = paysera(sandbox)
    del conf["STORE"]
    with override_settings(PAYSERA=conf, DATABASES=databases):
        assert store_url().startswith("postgres://postgres:s3cret%2Fwith%3Achars@")
        call_command("run_cashier", "--once")
        [tx] = sandbox.transactions()
        rows = subprocess.run(
            [
                psql,
                server.rsplit("/", 1)[0] + "/" + name,
                "-tAc",
                "SELECT count(*) FROM paysera_scanpay_records",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        assert rows == "1"  # the check-in in progress, in the shop's database
        sandbox.confirm(tx.transaction_key)
        call_command("run_cashier", "--once")
    assert str(sandbox.transactions()[0].status) == "confirmed"
    assert [str(e.kind) for e in shop.EVENTS] == ["order_created", "paid", "spot_closed"]


def test_run_cashier_refuses_bad_handlers(sandbox: Sandbox) -> None:
    with override_settings(PAYSERA=paysera(sandbox, PRICE=None)):
        with pytest.raises(CommandError, match="--price is required"):
            call_command("run_cashier", "--once")
        with pytest.raises(CommandError, match=r"cannot import 'django_project\.shop\.nope'"):
            call_command("run_cashier", "--once", "--price", "django_project.shop.nope")
        with pytest.raises(CommandError, match="not callable"):
            call_command("run_cashier", "--once", "--price", "django_project.shop.NOT_A_FUNCTION")
        with pytest.raises(CommandError, match=r"--on-event: .*no_such_module"):
            call_command(
                "run_cashier",
                "--once",
                "--price",
                "django_project.shop.price",
                "--on-event",
                "no_such_module.f",
            )
    with override_settings(PAYSERA={"STORE": "memory"}):
        with pytest.raises(CommandError, match="client id"):
            call_command("run_cashier", "--once")


# --- the callback view -----------------------------------------------------------------------


def form(event: str, sign: str) -> bytes:
    return urllib.parse.urlencode({"event": event, "sign": sign}).encode()


def test_the_callback_view_refuses_forgeries_and_signals_genuine_callbacks(sandbox: Sandbox) -> None:
    spot = sandbox.create_spot(1, "t1")
    sandbox.scan(spot.id)
    received: List[Dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        received.append(kwargs)

    callback_received.connect(receiver)
    web = django_test.Client()
    url = reverse("paysera-callback")
    assert url == "/paysera/callback"
    try:
        with override_settings(PAYSERA=paysera(sandbox, CALLBACK_URI=LOST)):
            cashier = get_cashier()  # this process's cashier: it billed the table
            assert get_cashier() is cashier
            cashier.run_once()
            key = sandbox.transactions()[0].transaction_key
            other = get_client().create_transaction(
                [{"description": "x", "price": 1, "currency": "EUR"}], callback_uri=LOST
            )
            sandbox.confirm(other.transaction_key)
            sandbox.confirm(key)
            callbacks = sandbox.wait_for_callbacks(2)
            ours = next(c for c in callbacks if c["transaction_key"] == key)
            theirs = next(c for c in callbacks if c["transaction_key"] != key)
            kind = "application/x-www-form-urlencoded"

            assert web.get(url).status_code == 405
            for bad in (
                form(ours["event"], theirs["sign"]),  # forged
                form(ours["event"].replace("1250", "1"), ours["sign"]),  # tampered
                urllib.parse.urlencode({"event": ours["event"]}).encode(),  # unsigned
                b"garbage",
            ):
                answer = web.post(url, data=bad, content_type=kind)
                assert answer.status_code == 400, bad
            assert received == []
            too_big = web.post(url, data=b"x" * (64 * 1024 + 1), content_type=kind)
            assert too_big.status_code == 413

            genuine = web.post(url, data=form(ours["event"], ours["sign"]), content_type=kind)
            assert (genuine.status_code, genuine.content) == (200, b"OK")
            [signal_kwargs] = received
            assert signal_kwargs["genuine"] is True
            assert signal_kwargs["event"].data.transaction_key == key
            assert str(signal_kwargs["event"].type) == "reserved"
            # The cashier got it: its next tick settles that transaction first.
            kinds = [str(e.kind) for e in cashier.run_once().events]
            assert "paid" in kinds
            assert str(sandbox.transactions()[0].status) == "confirmed"
    finally:
        callback_received.disconnect(receiver)


@pytest.mark.parametrize("store", ["memory", "path"])
def test_a_web_process_without_a_cashier_verifies_and_signals(
    sandbox: Sandbox, tmp_path: pathlib.Path, store: str
) -> None:
    """A web worker runs no cashier: it verifies, signals and answers 200 for a genuine
    callback, whatever its store (here for a transaction no cashier serves, so nothing is
    handed over)."""
    path = tmp_path / "cashier.db"
    conf = paysera(sandbox, STORE="memory" if store == "memory" else str(path))
    received: List[Any] = []

    def receiver(sender: Any, event: Any, **kwargs: Any) -> None:
        received.append(event)

    callback_received.connect(receiver)
    try:
        with override_settings(PAYSERA=conf):
            tx = get_client().create_transaction(
                [{"description": "x", "price": 1, "currency": "EUR"}], callback_uri=LOST
            )
            sandbox.confirm(tx.transaction_key)
            [sent] = sandbox.wait_for_callbacks(1)
            answer = django_test.Client().post(
                reverse("paysera-callback"),
                data=form(sent["event"], sent["sign"]),
                content_type="application/x-www-form-urlencoded",
            )
        assert answer.status_code == 200
        assert [e.data.transaction_key for e in received] == [tx.transaction_key]
    finally:
        callback_received.disconnect(receiver)


def test_a_web_worker_hands_callbacks_to_the_cashier_process_through_the_store(
    sandbox: Sandbox, tmp_path: pathlib.Path
) -> None:
    """The usual deployment: Paysera's callback reaches a web worker (here this process, through
    Django's test client), the cashier runs in its own process (`run_cashier`, a minute between
    polls), and both open one SQLite store. The worker verifies the callback and hands it over
    through the store: the cashier process confirms and frees the table within moments."""
    spot = sandbox.create_spot(1, "t1")
    sandbox.scan(spot.id)
    store = f"sqlite://{tmp_path}/cashier.db"
    env = cashier_process_env(sandbox, callback_uri=LOST, store=store)
    command = [sys.executable, "-m", "django", "run_cashier", "--poll-interval", "60"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        eventually(lambda: bool(sandbox.spots()[0].orders) or process.poll() is not None)
        assert process.poll() is None
        [tx] = sandbox.transactions()
        confirmed = time.monotonic()
        sandbox.confirm(tx.transaction_key)
        [sent] = sandbox.wait_for_callbacks(1)  # posted to nobody: LOST
        with override_settings(PAYSERA=paysera(sandbox, STORE=store, CALLBACK_URI=LOST)):
            answer = django_test.Client().post(
                reverse("paysera-callback"),
                data=form(sent["event"], sent["sign"]),
                content_type="application/x-www-form-urlencoded",
            )
        assert answer.status_code == 200
        eventually(lambda: str(sandbox.spots()[0].status) == "closed", timeout=15)
        assert time.monotonic() - confirmed < 15  # a poll would have taken 60 s
        assert str(sandbox.transactions()[0].status) == "confirmed"
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "shop: paid for spot" in err, err


def cashier_process_env(sandbox: Sandbox, *, callback_uri: str, store: str) -> Dict[str, str]:
    """The environment of a `python -m django run_cashier` process of the test project:
    credentials from the environment, the rest through its settings' SHOP_* variables."""
    return dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
        DJANGO_SETTINGS_MODULE="django_project.settings",
        PAYSERA_CLIENT_ID=sandbox.client_id,
        PAYSERA_MAC_KEY=sandbox.mac_key,
        SHOP_PAYSERA_BASE_URL=sandbox.base_url,
        SHOP_PAYSERA_CALLBACK_URI=callback_uri,
        SHOP_PAYSERA_STORE=store,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_run_cashier_serves_callbacks_and_acts_on_them_at_once(
    sandbox: Sandbox, tmp_path: pathlib.Path
) -> None:
    """The deployment: `manage.py run_cashier --callback-port` in its own process, credentials
    from the environment, a SQLite store, a minute between polls; Paysera's callback reaches it
    and the table is paid and freed within moments. SIGTERM stops it cleanly."""
    spot = sandbox.create_spot(1, "t1")
    sandbox.scan(spot.id)
    port = free_port()
    callback_uri = f"http://127.0.0.1:{port}/paysera/callback"
    env = cashier_process_env(sandbox, callback_uri=callback_uri, store=str(tmp_path / "cashier.db"))
    command = [
        sys.executable,
        "-m",
        "django",
        "run_cashier",
        "--poll-interval",
        "60",
        "--callback-port",
        str(port),
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        eventually(lambda: bool(sandbox.spots()[0].orders) or process.poll() is not None)
        assert process.poll() is None
        [tx] = sandbox.transactions()
        assert tx.callback_uri == callback_uri

        # The port serves the callback view and nothing else of the site.
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
        assert refused.value.code == 404
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(callback_uri, timeout=5)
        assert refused.value.code == 405

        confirmed = time.monotonic()
        sandbox.confirm(tx.transaction_key)
        eventually(lambda: str(sandbox.spots()[0].status) == "closed", timeout=15)
        assert time.monotonic() - confirmed < 15  # a poll would have taken 60 s
        assert str(sandbox.transactions()[0].status) == "confirmed"
        [sent] = sandbox.callbacks()
        assert sent["status"] == 200
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "SIGTERM received" in err and "cashier: stopped" in err, err
    assert "shop: paid for spot" in err, err
    assert sandbox.mac_key not in out + err
