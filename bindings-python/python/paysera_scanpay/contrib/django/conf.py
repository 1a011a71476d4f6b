"""The ``PAYSERA`` setting, the process's client and cashier, and the store URL from
``DATABASES``.

``PAYSERA`` is a dict in the Django settings::

    PAYSERA = {
        "CLIENT_ID": "...",              # else the PAYSERA_CLIENT_ID environment variable
        "MAC_KEY": "...",                # else the PAYSERA_MAC_KEY environment variable
        "BASE_URL": SANDBOX_BASE_URL,    # optional: production by default
        "PROJECT_ID": 123,               # optional: acts for this project
        "LOCATION_ID": 7,                # optional: this location only (client and cashier)
        "STORE": "/var/lib/shop/cashier.log",  # optional: else a URL made from DATABASES
        "CALLBACK_URI": "https://shop.example/paysera/callback",  # optional
        "PRICE": "shop.pricing.price",   # dotted paths to the shop's handlers
        "ON_EVENT": "shop.events.on_event",
        "ADJUST": "shop.pricing.adjust", # optional
        "POLL_INTERVAL": 3.0,            # optional cashier options, as Cashier takes them
    }

The MAC key never appears in a repr, a log line, an error or a check message.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import urllib.parse
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

from django.core.exceptions import ImproperlyConfigured  # type: ignore[import-untyped, unused-ignore]

if TYPE_CHECKING:
    from paysera_scanpay import Cashier, Client

__all__ = ["PayseraSettings", "get_cashier", "get_client", "paysera_settings", "store_url"]

_log = logging.getLogger("paysera_scanpay.django")

#: Environment variables read when ``PAYSERA`` has no ``CLIENT_ID`` / ``MAC_KEY``.
ENV_CLIENT_ID = "PAYSERA_CLIENT_ID"
ENV_MAC_KEY = "PAYSERA_MAC_KEY"

#: ``PAYSERA`` keys that are ``Cashier`` keyword options: key -> (argument, type).
CASHIER_OPTIONS: Dict[str, Tuple[str, type]] = {
    "POLL_INTERVAL": ("poll_interval", float),
    "REQUESTS_PER_MINUTE": ("requests_per_minute", int),
    "CUSTOMER_TIMEOUT": ("customer_timeout", float),
    "PAGE_SIZE": ("page_size", int),
    "CONCURRENCY": ("concurrency", int),
    "EVENT_RETRY": ("event_retry", float),
    "EVENT_RETRY_MAX": ("event_retry_max", float),
}
#: Every key ``PAYSERA`` may hold.
KEYS = frozenset(
    {
        "CLIENT_ID",
        "MAC_KEY",
        "BASE_URL",
        "PROJECT_ID",
        "LOCATION_ID",
        "STORE",
        "CALLBACK_URI",
        "PRICE",
        "ON_EVENT",
        "ADJUST",
        *CASHIER_OPTIONS,
    }
)
#: Store URL schemes the cashier takes besides ``memory`` and a file path.
STORE_SCHEMES = ("postgres", "postgresql", "sqlite")

_POSTGRES_ENGINES = (
    "django.db.backends.postgresql",
    "django.db.backends.postgresql_psycopg2",
    "django.contrib.gis.db.backends.postgis",
)
_SQLITE_ENGINES = ("django.db.backends.sqlite3", "django.contrib.gis.db.backends.spatialite")


@dataclasses.dataclass(frozen=True)
class PayseraSettings:
    """``PAYSERA`` as read and checked (see the module's docstring). ``store`` is ``STORE`` as
    given, ``None`` when the store comes from ``DATABASES`` (``cashier_store()``)."""

    client_id: str
    mac_key: str = dataclasses.field(repr=False)
    base_url: Optional[str] = None
    project_id: Optional[int] = None
    location_id: Optional[int] = None
    store: Optional[str] = None
    callback_uri: Optional[str] = None
    price: Optional[str] = None
    on_event: Optional[str] = None
    adjust: Optional[str] = None
    #: ``Cashier`` keyword options, ``(argument, value)``.
    cashier_options: Tuple[Tuple[str, Union[int, float]], ...] = ()

    def cashier_store(self) -> str:
        """The store the cashier opens: ``STORE``, or ``store_url()`` from ``DATABASES``."""
        return self.store if self.store is not None else store_url()


@dataclasses.dataclass(frozen=True)
class Problem:
    """What is wrong with the settings, as the system check reports it (never the key)."""

    id: str
    msg: str
    hint: Optional[str] = None


def _raw() -> Any:
    from django.conf import settings  # type: ignore[import-untyped, unused-ignore]

    value = getattr(settings, "PAYSERA", None)
    return {} if value is None else value


def redact(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``: for messages and logs."""
    try:
        parts = urllib.parse.urlsplit(url)
        password = parts.password
    except ValueError:
        return url
    if not password:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parts = urllib.parse.urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def read() -> Tuple[Optional[PayseraSettings], List[Problem]]:
    """``PAYSERA`` read and checked: the settings (``None`` when unusable) and what is wrong."""
    raw = _raw()
    if not isinstance(raw, Mapping):
        return None, [Problem("paysera_scanpay.E003", "The PAYSERA setting must be a dict.")]
    problems: List[Problem] = []
    unknown = sorted(str(k) for k in raw if k not in KEYS)
    if unknown:
        problems.append(
            Problem(
                "paysera_scanpay.E003",
                f"PAYSERA has unknown key(s): {', '.join(unknown)}.",
                f"Known keys: {', '.join(sorted(KEYS))}.",
            )
        )

    client_id = raw.get("CLIENT_ID") or os.environ.get(ENV_CLIENT_ID, "")
    if not client_id or not isinstance(client_id, str):
        problems.append(
            Problem(
                "paysera_scanpay.E001",
                "Paysera's client id is not set.",
                f"Set PAYSERA['CLIENT_ID'] or the {ENV_CLIENT_ID} environment variable.",
            )
        )
    mac_key = raw.get("MAC_KEY") or os.environ.get(ENV_MAC_KEY, "")
    if not mac_key or not isinstance(mac_key, str):
        problems.append(
            Problem(
                "paysera_scanpay.E002",
                "Paysera's MAC key is not set.",
                f"Set PAYSERA['MAC_KEY'] or the {ENV_MAC_KEY} environment variable "
                "(keep it out of version control).",
            )
        )

    base_url = raw.get("BASE_URL")
    if base_url is not None and not _http_url(base_url):
        problems.append(Problem("paysera_scanpay.E003", "PAYSERA['BASE_URL'] must be an http(s) URL."))
    for key in ("PROJECT_ID", "LOCATION_ID"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            problems.append(Problem("paysera_scanpay.E003", f"PAYSERA['{key}'] must be a whole number."))
    options: List[Tuple[str, Union[int, float]]] = []
    for key, (argument, kind) in CASHIER_OPTIONS.items():
        if key not in raw:
            continue
        value = raw[key]
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not numeric or (kind is int and not isinstance(value, int)) or value < 0:
            what = "a whole number, 0 or more" if kind is int else "a number of seconds, 0 or more"
            problems.append(Problem("paysera_scanpay.E003", f"PAYSERA['{key}'] must be {what}."))
            continue
        options.append((argument, kind(value)))

    for key in ("PRICE", "ON_EVENT", "ADJUST"):
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            problems.append(
                Problem("paysera_scanpay.E004", f"PAYSERA['{key}'] must be a dotted path (a string).")
            )

    store = raw.get("STORE")
    if store is not None:
        if isinstance(store, os.PathLike):
            store = os.fspath(store)
        if not isinstance(store, str) or not store:
            problems.append(
                Problem(
                    "paysera_scanpay.E005",
                    "PAYSERA['STORE'] must be 'memory', a file path or a store URL.",
                )
            )
            store = None

    callback_uri = raw.get("CALLBACK_URI")
    if callback_uri is not None and not _http_url(callback_uri):
        problems.append(
            Problem(
                "paysera_scanpay.E006",
                f"PAYSERA['CALLBACK_URI'] is not an absolute http(s) URL: {callback_uri!r}.",
                "Paysera posts callbacks there, e.g. 'https://shop.example/paysera/callback'.",
            )
        )

    if any(p.id in ("paysera_scanpay.E001", "paysera_scanpay.E002") for p in problems):
        return None, problems
    found = PayseraSettings(
        client_id=client_id,
        mac_key=mac_key,
        base_url=base_url if isinstance(base_url, str) else None,
        project_id=raw.get("PROJECT_ID"),
        location_id=raw.get("LOCATION_ID"),
        store=store,
        callback_uri=callback_uri if isinstance(callback_uri, str) else None,
        price=raw.get("PRICE") if isinstance(raw.get("PRICE"), str) else None,
        on_event=raw.get("ON_EVENT") if isinstance(raw.get("ON_EVENT"), str) else None,
        adjust=raw.get("ADJUST") if isinstance(raw.get("ADJUST"), str) else None,
        cashier_options=tuple(options),
    )
    return (None if problems else found), problems


def paysera_settings() -> PayseraSettings:
    """``PAYSERA`` read and checked; ``ImproperlyConfigured`` names the first problem (the
    system check lists them all)."""
    found, problems = read()
    if problems or found is None:
        first = problems[0]
        raise ImproperlyConfigured(f"{first.msg} {first.hint or ''}".strip())
    return found


# --- the store from DATABASES -----------------------------------------------------------------


def store_url(database: Optional[Mapping[str, Any]] = None) -> str:
    """The cashier's store URL for ``DATABASES["default"]`` (or ``database``), so that the
    cashier keeps its records in the shop's own database:

    - PostgreSQL (``django.db.backends.postgresql``, PostGIS):
      ``postgres://USER:PASSWORD@HOST:PORT/NAME``, user and password percent-encoded, host
      ``localhost`` and port 5432 by default (a socket directory as host is percent-encoded),
      with ``OPTIONS["sslmode"]`` and ``OPTIONS["sslrootcert"]`` kept (client certificates,
      ``sslcert`` and ``sslkey``, are ``ImproperlyConfigured``);
    - SQLite (``django.db.backends.sqlite3``, SpatiaLite): ``sqlite://`` followed by the
      database file's absolute path (``sqlite:///srv/shop/db.sqlite3``);
    - anything else: ``ImproperlyConfigured`` naming the engine (set ``PAYSERA["STORE"]``).
    """
    if database is None:
        from django.conf import settings  # type: ignore[import-untyped, unused-ignore]

        database = getattr(settings, "DATABASES", {}).get("default")
        if not database:
            raise ImproperlyConfigured(
                "DATABASES has no 'default' database for the cashier's store: set PAYSERA['STORE']."
            )
    engine = str(database.get("ENGINE", ""))
    if engine in _POSTGRES_ENGINES:
        return _postgres_url(database)
    if engine in _SQLITE_ENGINES:
        return _sqlite_url(database)
    raise ImproperlyConfigured(
        f"The cashier's store cannot live in a {engine or 'missing'} database "
        "(DATABASES['default']['ENGINE']): PostgreSQL and SQLite can hold it. Set "
        "PAYSERA['STORE'] to a file path, a postgres:// or sqlite:// URL, or 'memory'."
    )


def _postgres_url(database: Mapping[str, Any]) -> str:
    def quote(value: Any) -> str:
        return urllib.parse.quote(str(value), safe="")

    user, password = database.get("USER") or "", database.get("PASSWORD") or ""
    host = str(database.get("HOST") or "localhost")
    port = str(database.get("PORT") or 5432)
    if host.startswith("/"):  # a Unix socket directory
        host = quote(host)
    elif ":" in host and not host.startswith("["):  # IPv6
        host = f"[{host}]"
    userinfo = ""
    if user:
        userinfo = quote(user) + (f":{quote(password)}" if password else "") + "@"
    url = f"postgres://{userinfo}{host}:{port}/{quote(database.get('NAME') or '')}"
    options = database.get("OPTIONS") or {}
    for unsupported in ("sslcert", "sslkey"):
        if options.get(unsupported):
            raise ImproperlyConfigured(
                f"The cashier's store cannot use DATABASES['default']['OPTIONS']['{unsupported}']: "
                "it has no client certificates. Set PAYSERA['STORE'] to a postgres:// URL for a "
                "user that logs in with a password."
            )
    query = "&".join(f"{key}={quote(options[key])}" for key in ("sslmode", "sslrootcert") if options.get(key))
    return f"{url}?{query}" if query else url


def _sqlite_url(database: Mapping[str, Any]) -> str:
    name = database.get("NAME")
    text = os.fspath(name) if isinstance(name, (str, os.PathLike)) else ""
    if not text or text == ":memory:" or text.startswith("file:") or "mode=memory" in text:
        raise ImproperlyConfigured(
            "The cashier's store cannot live in an in-memory SQLite database "
            f"(DATABASES['default']['NAME'] is {text or 'empty'!r}): set PAYSERA['STORE']."
        )
    return "sqlite://" + os.path.abspath(text)


def store_kind(store: str) -> str:
    """``memory`` (this process only) or ``shared``: a SQL store (a URL, or a plain path, which
    means SQLite) that web workers and cashier replicas may all open."""
    return "memory" if store == "memory" else "shared"


def store_problem(store: str) -> Optional[str]:
    """Why the cashier cannot use ``store``, or ``None``; never shows a password."""
    if store == "memory":
        return None
    try:
        parts = urllib.parse.urlsplit(store)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError as e:
        return f"the store URL {redact(store)!r} is malformed ({e})"
    if "://" in store:
        if parts.scheme not in STORE_SCHEMES:
            return (
                f"the store URL scheme {parts.scheme!r} is not supported "
                "(memory, a file path, sqlite:///path or postgres://...)"
            )
        if parts.scheme == "sqlite" and not parts.path:
            return f"the SQLite store URL {store!r} names no file"
        if parts.scheme != "sqlite" and not parts.path.strip("/"):
            return f"the PostgreSQL store URL {redact(store)!r} names no database"
        return None
    directory = os.path.dirname(os.path.abspath(store))
    if not os.path.isdir(directory):
        return f"the store's directory {directory!r} does not exist"
    return None


# --- one client and one cashier per process -----------------------------------------------------

#: Reentrant: building the cashier builds the client.
_lock = threading.RLock()
#: ``(pid, settings key, client)`` and ``(pid, settings key, cashier)``: a forked child (gunicorn
#: ``--preload``, Celery prefork) finds the parent's pid and builds its own.
_client: Optional[Tuple[int, Any, Client]] = None
_cashier: Optional[Tuple[int, Any, Cashier]] = None
#: ``(pid, cashier)`` run by ``run_cashier`` in this process: what ``get_cashier()`` returns.
_running: Optional[Tuple[int, Cashier]] = None


def _after_fork() -> None:
    global _lock, _client, _cashier, _running
    _lock = threading.RLock()  # another thread may have held the parent's across the fork
    _client = _cashier = _running = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def get_client() -> Client:
    """This process's ``paysera_scanpay.Client``, built from ``PAYSERA`` on first use and shared
    by every thread. A forked child (gunicorn ``--preload``, Celery prefork) gets a new one."""
    global _client
    from paysera_scanpay import Client

    conf = paysera_settings()
    key = (conf.client_id, conf.mac_key, conf.base_url, conf.project_id, conf.location_id)
    pid = os.getpid()
    with _lock:
        if _client is not None and _client[0] == pid and _client[1] == key:
            return _client[2]
        options: Dict[str, Any] = {"project_id": conf.project_id, "location_id": conf.location_id}
        if conf.base_url is not None:
            options["base_url"] = conf.base_url
        client = Client(conf.client_id, conf.mac_key, **options)
        _client = (pid, key, client)
        return client


def import_handler(path: Optional[str], setting: str) -> Callable[..., Any]:
    """The function at dotted ``path``; ``ImproperlyConfigured`` when ``path`` is empty, cannot
    be imported or is not callable."""
    from django.utils.module_loading import import_string  # type: ignore[import-untyped, unused-ignore]

    if not path:
        raise ImproperlyConfigured(f"PAYSERA['{setting}'] is not set (a dotted path to a function).")
    try:
        handler = import_string(path)
    except ImportError as e:
        raise ImproperlyConfigured(f"PAYSERA['{setting}']: cannot import {path!r}: {e}") from None
    if not callable(handler):
        raise ImproperlyConfigured(f"PAYSERA['{setting}']: {path!r} is not callable.")
    result: Callable[..., Any] = handler
    return result


def build_cashier(
    *,
    price: Optional[Callable[..., Any]] = None,
    on_event: Optional[Callable[..., Any]] = None,
    **options: Any,
) -> Cashier:
    """A new ``paysera_scanpay.Cashier`` over ``get_client()`` from ``PAYSERA``: its handlers
    (``price``, ``on_event`` given here, else ``PRICE``, ``ON_EVENT``; ``ADJUST``), store,
    ``CALLBACK_URI``, ``LOCATION_ID`` and options; ``options`` override the settings'.
    ``ImproperlyConfigured`` for what is missing or unusable (never showing a password)."""
    from paysera_scanpay import Cashier, PayseraError

    conf = paysera_settings()
    price = price or import_handler(conf.price, "PRICE")
    on_event = on_event or import_handler(conf.on_event, "ON_EVENT")
    adjust = import_handler(conf.adjust, "ADJUST") if conf.adjust else None
    store = conf.cashier_store()
    problem = store_problem(store)
    if problem:
        raise ImproperlyConfigured(f"The cashier's store is unusable: {problem}.")
    arguments: Dict[str, Any] = dict(conf.cashier_options)
    arguments.update(adjust=adjust, location_id=conf.location_id, callback_uri=conf.callback_uri, **options)
    try:
        return Cashier(get_client(), price, on_event, store, **arguments)
    except PayseraError as e:
        message = str(e).replace(store, redact(store))
        raise ImproperlyConfigured(
            f"The cashier cannot open its store {redact(store)!r}: {message}"
        ) from None


def get_cashier() -> Cashier:
    """This process's cashier: the one ``run_cashier`` runs here, else one built from
    ``PAYSERA`` (``build_cashier()``) on first use; a forked child builds its own.

    A cashier built here and never run is what a web worker needs: its ``handle_callback()``
    hands callbacks to the active cashier through the shared store."""
    global _cashier
    pid = os.getpid()
    running = _running
    if running is not None and running[0] == pid:
        return running[1]
    conf = paysera_settings()
    key = (conf, conf.cashier_store())
    with _lock:  # held while building: one cashier per process
        if _cashier is not None and _cashier[0] == pid and _cashier[1] == key:
            return _cashier[2]
        cashier = build_cashier()
        _cashier = (pid, key, cashier)
        return cashier


def existing_cashier() -> Optional[Cashier]:
    """The cashier this process already has: ``run_cashier``'s, or the one ``get_cashier()``
    built for the current settings; else ``None``."""
    pid = os.getpid()
    running, built = _running, _cashier
    if running is not None and running[0] == pid:
        return running[1]
    if built is None or built[0] != pid:
        return None
    try:
        conf = paysera_settings()
        key = (conf, conf.cashier_store())
    except ImproperlyConfigured:
        return None
    return built[2] if built[1] == key else None


class running_cashier:
    """``with running_cashier(cashier):`` makes ``cashier`` this process's ``get_cashier()``
    (what ``run_cashier`` does while it runs it)."""

    def __init__(self, cashier: Cashier) -> None:
        self._cashier = cashier

    def __enter__(self) -> Cashier:
        global _running
        _running = (os.getpid(), self._cashier)
        return self._cashier

    def __exit__(self, *exc: object) -> None:
        global _running
        _running = None
