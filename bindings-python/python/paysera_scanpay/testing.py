"""Test your integration without touching production: the Paysera sandbox, in-process.

``Sandbox`` runs the project's simulator (real MAC checks, Paysera's state machines and error
bodies, faults, a journal of requests) on a local port. Your code talks to ``base_url`` with
``client_id``/``mac_key``; the test plays the customer with ``scan``, ``confirm`` and
``reject``. The pytest plugin (installed with the package) provides it as the
``paysera_sandbox`` fixture, reset before each test.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple, Type, TypedDict, Union

from . import _native
from .client import AsyncClient, Client
from .models import PlaceInfo, Spot, Transaction

if TYPE_CHECKING:
    from types import TracebackType
    from typing import Literal

    from typing_extensions import Self

__all__ = ["CallbackRecord", "JournalEntry", "Sandbox"]


class JournalEntry(TypedDict):
    """One request the sandbox received."""

    seq: int
    method: str
    #: Path and query as received.
    path: str
    client_id: Optional[str]
    ts: Optional[str]
    nonce: Optional[str]
    ext: Optional[str]
    #: Status answered; 0 when the connection was dropped.
    status: int
    #: Paysera error code answered, if any.
    error: Optional[str]
    #: The injected fault that hit this request, if any.
    fault: Optional[str]
    correlation_id: str


class CallbackRecord(TypedDict):
    """A callback the sandbox sent (delivery is asynchronous)."""

    uri: str
    event_type: str
    transaction_key: str
    #: The exact ``event`` text sent, which ``sign`` covers.
    event: str
    sign: str
    status: Optional[int]
    error: Optional[str]


class Sandbox:
    """A running Paysera sandbox; a context manager (``close()`` stops it).

    Without arguments it registers Paysera's published sample credentials
    (``wkVd93h2uS``); pass ``client_id`` and ``mac_key`` to use your own, or ``clients`` (a
    sequence of ``(client_id, mac_key)``) for several merchants.

    It listens on ``127.0.0.1``. Bound to any other ``host``, its control plane requires a
    ``token`` (generated unless given; see ``token``); ``token`` on loopback requires it there too.
    """

    __slots__ = ("_native",)

    def __init__(
        self,
        client_id: Optional[str] = None,
        mac_key: Optional[str] = None,
        *,
        port: int = 0,
        host: Optional[str] = None,
        clients: Optional[Sequence[Tuple[str, str]]] = None,
        token: Optional[str] = None,
        timestamp_window: Optional[int] = None,
        project_id: Optional[int] = None,
    ) -> None:
        config: Dict[str, Any] = {"port": port}
        if (client_id is None) != (mac_key is None):
            raise ValueError("give both client_id and mac_key, or neither")
        if client_id is not None and clients is not None:
            raise ValueError("give client_id and mac_key, or clients, not both")
        if client_id is not None:
            config["clients"] = [{"client_id": client_id, "mac_key": mac_key}]
        if clients is not None:
            config["clients"] = [{"client_id": c, "mac_key": k} for c, k in clients]
        if host is not None:
            config["host"] = host
        if token is not None:
            config["token"] = token
        if timestamp_window is not None:
            config["timestamp_window"] = timestamp_window
        if project_id is not None:
            config["project_id"] = project_id
        self._native = _native.NativeSandbox(config)

    # --- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stops the server. Idempotent."""
        self._native.close()

    def reset(self) -> None:
        """Forgets every spot, transaction, request, fault, nonce and callback, and the rate
        limit: a clean sandbox at the same address."""
        self._native.reset()

    def __repr__(self) -> str:
        return f"Sandbox(base_url={self.base_url!r}, client_id={self.client_id!r})"

    # --- how to reach it ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return self._native.base_url

    @property
    def client_id(self) -> str:
        return self._native.client_id

    @property
    def mac_key(self) -> str:
        return self._native.mac_key

    @property
    def token(self) -> Optional[str]:
        """The token the control plane (``/_sandbox/...``) requires, or ``None`` on loopback:
        send it as ``Authorization: Bearer <token>``, ``X-Sandbox-Token`` or ``?token=``."""
        return self._native.token

    @property
    def banner(self) -> List[str]:
        """What ``python -m paysera_scanpay sandbox`` prints at start: where it listens, the
        base URL, the credentials, the dashboard URL and the token, one line each."""
        # The text is made once, by the Rust sandbox.
        return self._native.banner

    @property
    def public_key_pem(self) -> str:
        """The key that verifies this sandbox's callbacks (also served at ``/publickey``)."""
        return self._native.public_key_pem

    def client(self, **options: Any) -> Client:
        """A ``Client`` for this sandbox (``options``: ``timeout``, ``retries``, ...)."""
        return Client(self.client_id, self.mac_key, base_url=self.base_url, **options)

    def async_client(self, **options: Any) -> AsyncClient:
        """An ``AsyncClient`` for this sandbox."""
        return AsyncClient(self.client_id, self.mac_key, base_url=self.base_url, **options)

    # --- the world ---------------------------------------------------------------------------

    def create_location(self, location_id: int, **place_info: Any) -> PlaceInfo:
        """Creates or updates a location; its ``place_info`` (``title``, ``address``, ...) is
        shown on its spots."""
        return PlaceInfo._from_wire(self._native.create_location(location_id, place_info))

    def create_spot(self, location_id: int, identifier: str, **place_info: Any) -> Spot:
        """A free spot printed as ``PAYSERA*{location_id}:{identifier}``."""
        return Spot._from_wire(self._native.create_spot(location_id, identifier, place_info))

    def spots(self) -> List[Spot]:
        return [Spot._from_wire(s) for s in self._native.spots()]

    def transactions(self) -> List[Transaction]:
        """Every transaction, in creation order."""
        return [Transaction._from_wire(t) for t in self._native.transactions()]

    # --- the customer ------------------------------------------------------------------------

    def scan(self, spot: Union[int, str], *, user_id: Optional[int] = None) -> Spot:
        """A customer scans the spot (its id, or its QR code text): it becomes ``waiting``."""
        return Spot._from_wire(self._native.scan(spot, user_id))

    def confirm(self, transaction_key: str) -> Transaction:
        """The customer confirms in the app: the transaction becomes ``reserved`` (or
        ``confirmed`` with ``auto_confirm``), and a callback is sent if it has a
        ``callback_uri``."""
        return Transaction._from_wire(self._native.confirm(transaction_key))

    def reject(self, transaction_key: str) -> Transaction:
        """The customer declines in the app: ``rejected``, with a callback."""
        return Transaction._from_wire(self._native.reject(transaction_key))

    def expire(self, transaction_key: str) -> Transaction:
        """Paysera gives up: ``failed`` while awaiting the customer, ``revoked`` when reserved."""
        return Transaction._from_wire(self._native.expire(transaction_key))

    def advance_clock(self, seconds: int) -> int:
        """Moves the sandbox clock forward (reservations lapse); returns the new time. Clients
        then meet ``invalid_timestamp`` and re-sync once."""
        now: int = self._native.advance_clock(seconds)
        return now

    def now(self) -> int:
        """The sandbox's Unix time."""
        now: int = self._native.now()
        return now

    # --- the network -------------------------------------------------------------------------

    def inject_fault(
        self,
        kind: str,
        *,
        status: Optional[int] = None,
        code: Optional[str] = None,
        description: Optional[str] = None,
        retry_after: Optional[int] = None,
        ms: Optional[int] = None,
        method: Optional[str] = None,
        path: Optional[str] = None,
        count: Optional[int] = None,
        probability: Optional[float] = None,
        seed: Optional[int] = None,
    ) -> None:
        """Makes matching requests fail. ``kind``: ``"error"`` (``status``, ``code``),
        ``"rate_limit"`` (``retry_after``), ``"delay"`` (``ms``), ``"drop"``,
        ``"apply_then_drop"``, ``"truncate"`` or ``"malformed"``. A rule matches ``method`` and
        a ``path`` substring, for the next ``count`` requests (default 1) or with a
        ``probability`` (seeded)."""
        rule: Dict[str, Any] = {"kind": kind}
        options = dict(
            status=status,
            code=code,
            description=description,
            retry_after=retry_after,
            ms=ms,
            method=method.upper() if method else None,
            path=path,
            count=count,
            probability=probability,
            seed=seed,
        )
        rule.update({k: v for k, v in options.items() if v is not None})
        self._native.inject_fault(rule)

    def clear_faults(self) -> None:
        self._native.clear_faults()

    def set_rate_limit(self, requests: Optional[int], per_seconds: int = 60) -> None:
        """Limits each client to ``requests`` per ``per_seconds`` (429 beyond); ``None`` lifts
        the limit."""
        limit = None if requests is None else {"requests": requests, "per_seconds": per_seconds}
        self._native.set_rate_limit(limit)

    def set_autopilot(self, mode: Optional[Literal["confirm", "reject"]]) -> None:
        """Every customer answers each new order as soon as it reaches the app: ``"confirm"``
        (the transaction becomes ``reserved``) or ``"reject"``; ``None`` hands the customers
        back to the test. ``reset()`` turns it off."""
        self._native.set_autopilot(mode)

    def requests(self) -> List[JournalEntry]:
        """Every request received, oldest first: method, path, MAC fields, status, fault."""
        entries: List[JournalEntry] = self._native.requests()
        return entries

    def callbacks(self) -> List[CallbackRecord]:
        """Callbacks sent so far (delivery is asynchronous: see ``wait_for_callbacks``)."""
        records: List[CallbackRecord] = self._native.callbacks()
        return records

    def wait_for_callbacks(self, count: int = 1, timeout: float = 5.0) -> List[CallbackRecord]:
        """Callbacks sent so far, once there are at least ``count`` of them; raises
        ``TimeoutError`` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            records = self.callbacks()
            if len(records) >= count:
                return records
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(records)} of {count} callbacks sent after {timeout} s")
            time.sleep(0.01)
