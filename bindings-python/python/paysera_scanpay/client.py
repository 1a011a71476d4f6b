"""The Wallet API clients: ``Client`` (blocking) and ``AsyncClient`` (asyncio), one method per
core endpoint, both running the same Rust future per call.

``Client`` releases the GIL for the whole request and lets Ctrl-C through; it is safe to share
between threads (WSGI workers, Celery threads) and keeps working in a child after ``os.fork()``
(gunicorn ``--preload``, Celery prefork): the child gets its own runtime and connections.
``AsyncClient`` methods are coroutines; cancelling the task cancels the request. It works on any
asyncio event loop: selector loops and uvloop, and Windows' default ``ProactorEventLoop``.
"""

from __future__ import annotations

import sys
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Callable,
    Dict,
    Iterator,
    Mapping,
    Optional,
    Sequence,
    Type,
    TypeVar,
    Union,
)

from . import _native
from .models import Order, Payment, Reserve, Spot, SpotList, Transaction, TransactionList, _plain

if TYPE_CHECKING:
    import asyncio
    from types import TracebackType
    from typing import Literal

    from typing_extensions import Self

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_DEADLINE",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "MAX_PAGE_SIZE",
    "MIN_PAGE_SIZE",
    "PRODUCTION_BASE_URL",
    "SANDBOX_BASE_URL",
    "AsyncClient",
    "Client",
]

#: Paysera's production API, ``https://wallet.paysera.com``.
PRODUCTION_BASE_URL: str = _native.PRODUCTION_BASE_URL
#: Paysera's own sandbox host, ``https://wallet-sandbox.paysera.com``, as named in Paysera's PHP
#: library. Ask Paysera whether it serves Scan and Pay for your account (docs/going-live.md).
SANDBOX_BASE_URL: str = _native.SANDBOX_BASE_URL
#: The base URL a client uses unless given one: ``PRODUCTION_BASE_URL``.
DEFAULT_BASE_URL: str = _native.DEFAULT_BASE_URL
#: Seconds one call may take in all, every attempt and backoff included (25): below gunicorn's
#: 30 s worker timeout, so a stuck request is a ``TimeoutError`` the view can answer.
DEFAULT_DEADLINE: float = _native.DEFAULT_DEADLINE
#: Seconds one attempt may take, response included (30).
DEFAULT_TIMEOUT: float = _native.DEFAULT_TIMEOUT
#: Seconds to open the TCP + TLS connection (5).
DEFAULT_CONNECT_TIMEOUT: float = _native.DEFAULT_CONNECT_TIMEOUT
#: Extra attempts for failures that are safe to retry (2).
DEFAULT_RETRIES: int = _native.DEFAULT_RETRIES
#: Smallest page size (``limit``, ``page_size``) Paysera's listings accept (1).
MIN_PAGE_SIZE: int = _native.MIN_PAGE_SIZE
#: Largest page size (``limit``, ``page_size``) Paysera's listings accept (200).
MAX_PAGE_SIZE: int = _native.MAX_PAGE_SIZE
#: Page size of ``iter_spots`` and ``iter_transactions`` unless given one (100).
DEFAULT_PAGE_SIZE: int = _native.DEFAULT_PAGE_SIZE

T = TypeVar("T")

_USER_AGENT = "paysera-scanpay/{} (python {}.{})".format(_native.__version__, *sys.version_info[:2])

PaymentLike = Union[Payment, Mapping[str, Any]]
Prices = Mapping[int, Mapping[str, Any]]


def _statuses(status: Union[str, Sequence[str], None]) -> list[str]:
    if status is None:
        return []
    if isinstance(status, str):
        return [status]
    return [str(s) for s in status]


def _transaction_body(payments: Sequence[PaymentLike], fields: Mapping[str, Any]) -> Dict[str, Any]:
    body: Dict[str, Any] = {"payments": [_plain(p) for p in payments]}
    for name, value in fields.items():
        if value is not None:
            body[name] = _plain(value)
    return body


def _prices(prices: Optional[Prices]) -> Optional[Dict[int, Dict[str, Any]]]:
    return None if prices is None else {int(k): _plain(v) for k, v in prices.items()}


class _BaseClient:
    __slots__ = ("_native",)

    def __init__(
        self,
        client_id: str,
        mac_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        user_agent: Optional[str] = None,
        deadline: Optional[float] = DEFAULT_DEADLINE,
        project_id: Optional[int] = None,
        location_id: Optional[int] = None,
    ) -> None:
        self._native = _native.NativeClient(
            client_id,
            mac_key,
            base_url,
            timeout,
            connect_timeout,
            retries,
            user_agent or _USER_AGENT,
            deadline,
            project_id,
            location_id,
        )

    @classmethod
    def _wrap(cls, native: _native.NativeClient) -> Self:
        self = object.__new__(cls)
        self._native = native
        return self

    def with_options(
        self,
        *,
        timeout: Optional[float] = None,
        retries: Optional[int] = None,
        deadline: Optional[float] = None,
        project_id: Optional[int] = None,
        location_id: Optional[int] = None,
    ) -> Self:
        """A view of this client with another per-attempt timeout (seconds), retry count, overall
        deadline (seconds; ``math.inf`` for none), ``project_id`` and/or ``location_id`` (sent as
        MAC ext parameters); it shares the connection pool."""
        native = self._native.with_options(timeout, retries, deadline, project_id, location_id)
        return self._wrap(native)

    @property
    def base_url(self) -> str:
        return self._native.base_url

    @property
    def client_id(self) -> str:
        return self._native.client_id

    @property
    def timeout(self) -> float:
        return self._native.timeout

    @property
    def deadline(self) -> Optional[float]:
        """Seconds one call may take in all, retries included; ``None`` for no limit."""
        return self._native.deadline

    @property
    def retries(self) -> int:
        return self._native.retries

    @property
    def project_id(self) -> Optional[int]:
        """The project every call acts for (MAC ext ``project_id``), if any."""
        return self._native.project_id

    @property
    def location_id(self) -> Optional[int]:
        """The location every call acts for (MAC ext ``location_id``), if any."""
        return self._native.location_id

    @property
    def closed(self) -> bool:
        return self._native.closed

    def close(self) -> None:
        """Closes this client's connections; later calls raise ``LifecycleError`` (a ``RuntimeError``)."""
        self._native.close()

    def __repr__(self) -> str:
        if self.closed:
            return f"{type(self).__name__}(closed)"
        return f"{type(self).__name__}(client_id={self.client_id!r}, base_url={self.base_url!r})"

    def __reduce__(self) -> Any:
        raise TypeError(f"{type(self).__name__} cannot be pickled (it holds credentials)")


def _iterate(pager: _native.Pager, convert: Callable[[Dict[str, Any]], T]) -> Iterator[T]:
    while True:
        page = pager.next_page().wait()
        if page is None:
            return
        for item in page:
            yield convert(item)


class Client(_BaseClient):
    """A blocking Paysera Wallet API client.

    ``Client(client_id, mac_key)`` talks to production Paysera; give ``base_url`` for a sandbox
    or proxy. ``timeout`` is per attempt (seconds, default ``DEFAULT_TIMEOUT`` = 30; the
    connection itself gets ``connect_timeout``, default ``DEFAULT_CONNECT_TIMEOUT`` = 5);
    ``retries`` (default ``DEFAULT_RETRIES`` = 2) counts extra attempts for
    failures that are safe to re-send (never a POST that may have been applied, never a 409);
    ``deadline`` (seconds, default ``DEFAULT_DEADLINE`` = 25, below gunicorn's 30 s worker
    timeout) bounds the whole call, attempts and backoff included; ``None`` for no limit.
    ``project_id`` and ``location_id`` are sent as MAC ext parameters on every call (as Paysera's
    PHP library does); ``with_options(location_id=...)`` changes them for some calls.
    """

    __slots__ = ()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def list_spots(
        self,
        *,
        status: Optional[str] = None,
        location_id: Optional[int] = None,
        limit: Optional[int] = None,
        offset: Optional[int] = None,
    ) -> SpotList:
        """``GET /spots``: one page (``status="waiting"``: spots where a customer scanned)."""
        return SpotList._from_wire(self._native.list_spots(status, location_id, limit, offset).wait())

    def iter_spots(
        self,
        *,
        status: Optional[str] = None,
        location_id: Optional[int] = None,
        page_size: Optional[int] = None,
        offset: Optional[int] = None,
    ) -> Iterator[Spot]:
        """Every matching spot, fetched page by page (``page_size`` from ``MIN_PAGE_SIZE`` to
        ``MAX_PAGE_SIZE``, 1–200; default ``DEFAULT_PAGE_SIZE`` = 100)."""
        return _iterate(self._native.iter_spots(status, location_id, page_size, offset), Spot._from_wire)

    def get_spot(self, spot_id: int) -> Spot:
        """``GET /spot/{id}``."""
        return Spot._from_wire(self._native.get_spot(spot_id).wait())

    def create_spot_order(self, spot_id: int, transaction_key: str) -> Order:
        """``POST /spot/{id}/order``: show the transaction to the customer at the spot. Not
        retried once sent; on an unknown outcome read the spot's ``orders`` first."""
        return Order._from_wire(self._native.create_spot_order(spot_id, transaction_key).wait())

    def close_spot(self, spot_id: int) -> Spot:
        """``PUT /spot/{id}/close``: free the table."""
        return Spot._from_wire(self._native.close_spot(spot_id).wait())

    def create_transaction(
        self,
        payments: Sequence[PaymentLike],
        *,
        redirect_uri: Optional[str] = None,
        callback_uri: Union[str, Literal[False], None] = None,
        reserve: Union[Reserve, Mapping[str, int], None] = None,
        auto_confirm: Optional[bool] = None,
        use_allowance: Optional[bool] = None,
        suggest_allowance: Optional[bool] = None,
        allowance: Any = None,
        user: Any = None,
        inquiries: Any = None,
        **extra: Any,
    ) -> Transaction:
        """``POST /transaction``. ``payments`` are ``Payment`` objects or dicts with wire names;
        the request is validated before anything is sent. Not retried once sent (Paysera has no
        idempotency keys): on ``outcome_unknown``, look for your reference before creating
        another."""
        fields = dict(
            redirect_uri=redirect_uri,
            callback_uri=callback_uri,
            reserve=reserve,
            auto_confirm=auto_confirm,
            use_allowance=use_allowance,
            suggest_allowance=suggest_allowance,
            allowance=allowance,
            user=user,
            inquiries=inquiries,
            **extra,
        )
        call = self._native.create_transaction(_transaction_body(payments, fields))
        return Transaction._from_wire(call.wait())

    def get_transaction(self, key: str) -> Transaction:
        """``GET /transaction/{key}``."""
        return Transaction._from_wire(self._native.get_transaction(key).wait())

    def list_transactions(
        self,
        *,
        status: Union[str, Sequence[str], None] = None,
        wallet: Optional[int] = None,
        from_: Optional[int] = None,
        to: Optional[int] = None,
        limit: Optional[int] = None,
        offset: Optional[int] = None,
        project_id: Optional[int] = None,
        location_id: Optional[int] = None,
    ) -> TransactionList:
        """``GET /transactions``: one page. ``status`` is one status or several; ``from_``/``to``
        bound ``created_at`` (Unix seconds)."""
        call = self._native.list_transactions(
            _statuses(status), wallet, from_, to, limit, offset, project_id, location_id
        )
        return TransactionList._from_wire(call.wait())

    def iter_transactions(
        self,
        *,
        status: Union[str, Sequence[str], None] = None,
        wallet: Optional[int] = None,
        from_: Optional[int] = None,
        to: Optional[int] = None,
        page_size: Optional[int] = None,
        offset: Optional[int] = None,
        project_id: Optional[int] = None,
        location_id: Optional[int] = None,
    ) -> Iterator[Transaction]:
        """Every matching transaction, fetched page by page."""
        pager = self._native.iter_transactions(
            _statuses(status), wallet, from_, to, page_size, offset, project_id, location_id
        )
        return _iterate(pager, Transaction._from_wire)

    def find_transactions(
        self, parameter: str, value: Union[str, int], *, from_: Optional[int] = None, to: Optional[int] = None
    ) -> list[Transaction]:
        """Transactions created between ``from_`` and ``to`` (Unix seconds) whose payments carry
        ``parameters[parameter] == value`` (compared as text): after ``outcome_unknown`` on a
        create, find what was created. Walks every page of the window: keep it short."""
        found = self._native.find_transactions(parameter, str(value), from_, to).wait()
        return [Transaction._from_wire(t) for t in found]

    def confirm_transaction(self, key: str, prices: Optional[Prices] = None) -> Transaction:
        """``PUT /transaction/{key}/confirm``: take the reserved money. ``prices`` lowers
        amounts: ``{payment_id: {"price": 999, "currency": "EUR"}}``."""
        return Transaction._from_wire(self._native.confirm_transaction(key, _prices(prices)).wait())

    def revoke_transaction(self, key: str) -> Transaction:
        """``DELETE /transaction/{key}`` (while ``new``, ``waiting*`` or ``reserved``)."""
        return Transaction._from_wire(self._native.revoke_transaction(key).wait())

    def server_time(self) -> int:
        """``GET /server``: Paysera's clock, Unix seconds."""
        time: int = self._native.server_time().wait()
        return time

    def get_public_key(self) -> str:
        """``GET /publickey``: the PEM key that signs callbacks (fetched once, then cached)."""
        pem: str = self._native.get_public_key().wait()
        return pem

    def verify_callback(self, event: Union[bytes, str], sign: str) -> bool:
        """Checks a callback's ``sign`` over the raw ``event`` with Paysera's public key."""
        valid: bool = self._native.verify_callback(event, sign).wait()
        return valid


# --- asyncio ---------------------------------------------------------------------------------


class _LoopBridge:
    """Delivers finished calls to one event loop, which settles the awaiting futures on its own
    thread when woken (see ``_wakeup``: a socket the loop watches, or a waiter thread)."""

    __slots__ = ("_completions", "_next", "_waiting", "_watch")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        from . import _wakeup

        self._completions = _native.Completions()
        self._waiting: Dict[int, asyncio.Future[Any]] = {}
        self._next = 0
        self._watch = _wakeup.watch(loop, self._completions, self._drain)

    async def run(self, call: _native.Call, loop: asyncio.AbstractEventLoop) -> Any:
        self._next += 1
        token = self._next
        future = loop.create_future()
        task = call.start(self._completions, token)
        self._waiting[token] = future
        try:
            return await future
        finally:
            if self._waiting.pop(token, None) is not None:
                task.abort()  # cancelled: drop the request (closes its connection)

    def _drain(self) -> None:
        for token, ok, value in self._completions.drain():
            future = self._waiting.pop(token, None)
            if future is None or future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)


_bridges: Any = None


def _bridge(loop: asyncio.AbstractEventLoop) -> _LoopBridge:
    global _bridges
    if _bridges is None:
        import weakref

        _bridges = weakref.WeakKeyDictionary()
    bridge: Optional[_LoopBridge] = _bridges.get(loop)
    if bridge is None or bridge._completions.forked:
        bridge = _bridges[loop] = _LoopBridge(loop)
    return bridge


async def _run(call: _native.Call) -> Any:
    import asyncio

    loop = asyncio.get_running_loop()
    return await _bridge(loop).run(call, loop)


async def _aiterate(pager: _native.Pager, convert: Callable[[Dict[str, Any]], T]) -> AsyncIterator[T]:
    while True:
        page = await _run(pager.next_page())
        if page is None:
            return
        for item in page:
            yield convert(item)


class AsyncClient(_BaseClient):
    """The asyncio twin of ``Client``: same arguments, same method names, coroutines.

    Cancelling the task that awaits a call cancels the request (its connection is dropped).
    Works on any asyncio event loop: on loops that can watch a socket (the default loop on Linux
    and macOS, uvloop) results arrive through ``add_reader``; on others (Windows' default
    ``ProactorEventLoop``) a helper thread hands them to the loop.
    """

    __slots__ = ()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    async def aclose(self) -> None:
        self.close()

    async def list_spots(
        self,
        *,
        status: Optional[str] = None,
        location_id: Optional[int] = None,
        limit: Optional[int] = None,
        offset: Optional[int] = None,
    ) -> SpotList:
        """``GET /spots``: one page."""
        return SpotList._from_wire(await _run(self._native.list_spots(status, location_id, limit, offset)))

    def iter_spots(
        self,
        *,
        status: Optional[str] = None,
        location_id: Optional[int] = None,
        page_size: Optional[int] = None,
        offset: Optional[int] = None,
    ) -> AsyncIterator[Spot]:
        """Every matching spot, page by page: ``async for spot in client.iter_spots(...)``."""
        return _aiterate(self._native.iter_spots(status, location_id, page_size, offset), Spot._from_wire)

    async def get_spot(self, spot_id: int) -> Spot:
        return Spot._from_wire(await _run(self._native.get_spot(spot_id)))

    async def create_spot_order(self, spot_id: int, transaction_key: str) -> Order:
        return Order._from_wire(await _run(self._native.create_spot_order(spot_id, transaction_key)))

    async def close_spot(self, spot_id: int) -> Spot:
        return Spot._from_wire(await _run(self._native.close_spot(spot_id)))

    async def create_transaction(
        self,
        payments: Sequence[PaymentLike],
        *,
        redirect_uri: Optional[str] = None,
        callback_uri: Union[str, Literal[False], None] = None,
        reserve: Union[Reserve, Mapping[str, int], None] = None,
        auto_confirm: Optional[bool] = None,
        use_allowance: Optional[bool] = None,
        suggest_allowance: Optional[bool] = None,
        allowance: Any = None,
        user: Any = None,
        inquiries: Any = None,
        **extra: Any,
    ) -> Transaction:
        fields = dict(
            redirect_uri=redirect_uri,
            callback_uri=callback_uri,
            reserve=reserve,
            auto_confirm=auto_confirm,
            use_allowance=use_allowance,
            suggest_allowance=suggest_allowance,
            allowance=allowance,
            user=user,
            inquiries=inquiries,
            **extra,
        )
        call = self._native.create_transaction(_transaction_body(payments, fields))
        return Transaction._from_wire(await _run(call))

    async def get_transaction(self, key: str) -> Transaction:
        return Transaction._from_wire(await _run(self._native.get_transaction(key)))

    async def list_transactions(
        self,
        *,
        status: Union[str, Sequence[str], None] = None,
        wallet: Optional[int] = None,
        from_: Optional[int] = None,
        to: Optional[int] = None,
        limit: Optional[int] = None,
        offset: Optional[int] = None,
        project_id: Optional[int] = None,
        location_id: Optional[int] = None,
    ) -> TransactionList:
        call = self._native.list_transactions(
            _statuses(status), wallet, from_, to, limit, offset, project_id, location_id
        )
        return TransactionList._from_wire(await _run(call))

    def iter_transactions(
        self,
        *,
        status: Union[str, Sequence[str], None] = None,
        wallet: Optional[int] = None,
        from_: Optional[int] = None,
        to: Optional[int] = None,
        page_size: Optional[int] = None,
        offset: Optional[int] = None,
        project_id: Optional[int] = None,
        location_id: Optional[int] = None,
    ) -> AsyncIterator[Transaction]:
        pager = self._native.iter_transactions(
            _statuses(status), wallet, from_, to, page_size, offset, project_id, location_id
        )
        return _aiterate(pager, Transaction._from_wire)

    async def find_transactions(
        self, parameter: str, value: Union[str, int], *, from_: Optional[int] = None, to: Optional[int] = None
    ) -> list[Transaction]:
        found = await _run(self._native.find_transactions(parameter, str(value), from_, to))
        return [Transaction._from_wire(t) for t in found]

    async def confirm_transaction(self, key: str, prices: Optional[Prices] = None) -> Transaction:
        return Transaction._from_wire(await _run(self._native.confirm_transaction(key, _prices(prices))))

    async def revoke_transaction(self, key: str) -> Transaction:
        return Transaction._from_wire(await _run(self._native.revoke_transaction(key)))

    async def server_time(self) -> int:
        time: int = await _run(self._native.server_time())
        return time

    async def get_public_key(self) -> str:
        pem: str = await _run(self._native.get_public_key())
        return pem

    async def verify_callback(self, event: Union[bytes, str], sign: str) -> bool:
        valid: bool = await _run(self._native.verify_callback(event, sign))
        return valid
