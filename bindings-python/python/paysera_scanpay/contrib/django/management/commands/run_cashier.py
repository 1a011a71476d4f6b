"""``python manage.py run_cashier``: the Scan and Pay cashier, in its own process.

Run exactly one per store, under a process manager (systemd, one container replica); never from
``AppConfig.ready()`` or a web worker, where every worker would run its own cashier over the same
store. SIGTERM or SIGINT stops it after the tick in progress. ``--callback-port`` serves the
callback view from this process, so that Paysera's callbacks reach the running cashier.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socketserver
import threading
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.core.exceptions import ImproperlyConfigured  # type: ignore[import-untyped, unused-ignore]
from django.core.handlers.wsgi import WSGIHandler  # type: ignore[import-untyped, unused-ignore]
from django.core.management.base import BaseCommand, CommandError, CommandParser  # type: ignore[import-untyped, unused-ignore]

from ... import conf

_log = logging.getLogger("paysera_scanpay.django")

#: The URLconf the callback server serves: the callback view alone.
CALLBACK_URLCONF = "paysera_scanpay.contrib.django.urls"


class _CallbackHandler(WSGIHandler):
    """Django's WSGI handler over the callback URLconf only, whatever ``ROOT_URLCONF`` holds:
    the port serves Paysera's callbacks and nothing else of the site."""

    def get_response(self, request: Any) -> Any:
        request.urlconf = CALLBACK_URLCONF
        return super().get_response(request)


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietRequestHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class names it so)
        _log.debug("callback server: " + format, *args)


def serve_callbacks(host: str, port: int) -> WSGIServer:
    """Serves the callback view (``/paysera/callback``) on ``host:port`` from a daemon thread of
    this process; ``server.shutdown()`` stops it. Port 0 takes any free port
    (``server.server_port``)."""
    server = make_server(
        host, port, _CallbackHandler(), server_class=_ThreadingServer, handler_class=_QuietRequestHandler
    )
    threading.Thread(target=server.serve_forever, name="paysera-callbacks", daemon=True).start()
    return server


def _handler(path: Optional[str], option: str, setting: str) -> Callable[..., Any]:
    if not path:
        raise CommandError(
            f"{option} is required (or set PAYSERA['{setting}']): a dotted path to a function."
        )
    try:
        handler = conf.import_handler(path, setting)
    except ImproperlyConfigured as e:
        raise CommandError(f"{option}: {e}") from None
    assert handler is not None
    return handler


@contextlib.contextmanager
def _serving(host: str, port: Optional[int]) -> Iterator[None]:
    if port is None:
        yield
        return
    try:
        server = serve_callbacks(host, port)
    except OSError as e:
        raise CommandError(f"--callback-port: cannot listen on {host}:{port}: {e}") from None
    _log.info("cashier: callbacks served at http://%s:%d/paysera/callback", host, server.server_port)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def _log_to_stderr(verbosity: int) -> None:
    """Without any logging configured (Django configures only its own loggers), the cashier's
    lines go to stderr: -v 0 warnings, -v 1 (default) events, -v 2 every request."""
    package = logging.getLogger("paysera_scanpay")
    if logging.getLogger().handlers or package.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    package.addHandler(handler)
    package.setLevel(logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG)


class _Signals:
    """SIGTERM and SIGINT call ``stop`` while in effect (main thread only: Python delivers
    signals there), then the previous handlers come back."""

    def __init__(self, stop: Callable[[], None]) -> None:
        self._stop = stop
        self._previous: List[Tuple[int, Any]] = []

    def __enter__(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGTERM, signal.SIGINT):
            self._previous.append((signum, signal.getsignal(signum)))
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, frame: Any) -> None:
        _log.info("cashier: %s received, stopping after the tick in progress", signal.Signals(signum).name)
        self._stop()

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous:
            signal.signal(signum, previous)


class Command(BaseCommand):
    help = (
        "Runs the Paysera Scan and Pay cashier until SIGTERM or SIGINT: bills the tables customers "
        "scanned, takes the money they confirm, frees the tables. Run exactly one per store, as its "
        "own service; never from AppConfig.ready() or in web workers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--price",
            metavar="DOTTED.PATH",
            help="price(spot) -> payments or None (default: PAYSERA['PRICE'])",
        )
        parser.add_argument(
            "--on-event", metavar="DOTTED.PATH", help="on_event(event) (default: PAYSERA['ON_EVENT'])"
        )
        parser.add_argument("--once", action="store_true", help="run one tick, then exit (cron, tests)")
        parser.add_argument(
            "--poll-interval",
            type=float,
            metavar="SECONDS",
            help="seconds between ticks (default: PAYSERA['POLL_INTERVAL'], else 3)",
        )
        parser.add_argument(
            "--callback-port",
            type=int,
            metavar="PORT",
            help="serve the callback view (/paysera/callback) on this port from this process, so that "
            "Paysera's callbacks wake the running cashier",
        )
        parser.add_argument(
            "--callback-host",
            default="127.0.0.1",
            metavar="HOST",
            help="address to serve callbacks on (127.0.0.1)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        _log_to_stderr(options["verbosity"])
        try:
            settings = conf.paysera_settings()
        except ImproperlyConfigured as e:
            raise CommandError(str(e)) from None
        price = _handler(options["price"] or settings.price, "--price", "PRICE")
        on_event = _handler(options["on_event"] or settings.on_event, "--on-event", "ON_EVENT")
        overrides: Dict[str, Any] = {}
        if options["poll_interval"] is not None:
            if options["poll_interval"] < 0:
                raise CommandError("--poll-interval must be 0 or more seconds.")
            overrides["poll_interval"] = options["poll_interval"]
        try:
            cashier = conf.build_cashier(price=price, on_event=on_event, **overrides)
        except ImproperlyConfigured as e:
            raise CommandError(str(e)) from None

        with conf.running_cashier(cashier):
            if options["once"]:
                report = cashier.run_once()
                _log.info(
                    "cashier: one tick, %d polling and %d action request(s), %d event(s)",
                    report.polling_requests,
                    report.action_requests,
                    len(report.events),
                )
                return
            with _serving(options["callback_host"], options["callback_port"]):
                _log.info("cashier: running (%r); SIGTERM or SIGINT stops it", cashier)
                with _Signals(cashier.stop):
                    cashier.run_forever()
                _log.info("cashier: stopped")
