"""The cashier: the merchant's whole Scan and Pay loop, run by the Rust core's engine.

You say how to price a waiting spot and what to do on each event; the engine polls Paysera at a
bounded cost (two listing requests per tick, whatever the number of tables; the next pages at
once only while the request budget can spare them), creates and
attaches transactions, confirms what customers reserved, revokes what they ignored and frees
the tables, exactly once, within one request budget. Its requests and its store run on the
core's threads. Your handlers run on the thread that runs the cashier (``Cashier``) or on its
event loop (``AsyncCashier``): the engine hands each call over and waits for the answer.

A handler that raises is reported as an ``error`` event and the cashier carries on (a failing
``price`` or ``adjust``, like a failed request, reaches ``on_event``). Events are delivered at
least once: each is kept in the store until ``on_event`` returns without raising (for an
``async def`` handler, until its coroutine completes), and delivered again on a later tick after
a failure, with a growing pause (``event_retry`` seconds, doubling up to ``event_retry_max``),
and after a restart over the same store. A spot's events arrive in order. ``undelivered()``
lists what waits. De-duplicate on ``event.id``.
"""

from __future__ import annotations

import inspect
import logging
import os
import time
from collections import deque
from typing import (
    TYPE_CHECKING,
    Any,
    Awaitable,
    Callable,
    Deque,
    Dict,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

from . import _native
from .client import PaymentLike, _BaseClient, _run
from .errors import InvalidInputError
from .models import Field, Model, Money, Spot, Transaction, WireEnum, _many, _one

if TYPE_CHECKING:
    import asyncio

    from .client import AsyncClient, Client

__all__ = [
    "AsyncCashier",
    "Cashier",
    "CashierRecord",
    "CashierStats",
    "Event",
    "EventKind",
    "TickReport",
    "UndeliveredEvent",
]

_log = logging.getLogger("paysera_scanpay")

#: How long a blocking run waits between two looks at Python's signal handlers (Ctrl-C, a
#: SIGTERM handler calling ``stop()``).
_WAKE = 0.1
#: How often an asyncio run hands the core's log records to ``logging`` while nothing happens.
_FLUSH = 1.0


class EventKind(WireEnum):
    """What happened to a check-in; compares to plain strings (``event.kind == "paid"``)."""

    #: The transaction was created and attached: the customer sees the bill.
    ORDER_CREATED = "order_created"
    #: The customer confirmed and the money was taken.
    PAID = "paid"
    #: The customer declined in the app.
    REJECTED = "rejected"
    #: The customer did not act within ``customer_timeout``; the order was revoked.
    EXPIRED = "expired"
    #: Paysera failed the transaction.
    FAILED = "failed"
    #: The spot was closed and is free for the next guest.
    SPOT_CLOSED = "spot_closed"
    #: Something went wrong for this spot (a handler raised, a request failed); the cashier
    #: carries on and retries on a later tick.
    ERROR = "error"


class Event(Model):
    """One event of the cashier, with the core's wire names."""

    __slots__ = ()
    #: Stable across retries and restarts, ``{reference}:{kind}``: de-duplicate on it (an
    #: event may be delivered more than once).
    id: Field[str] = Field()
    kind: Field[EventKind] = Field(convert=EventKind)
    spot_id: Field[int] = Field()
    #: The spot's location, when known.
    location_id: Field[Optional[int]] = Field()
    transaction_key: Field[Optional[str]] = Field()
    #: The check-in's reference, also in each payment's ``parameters["scanpay_reference"]``.
    reference: Field[str] = Field()
    #: Charged (``paid``) or asked (``order_created``).
    amounts: Field[List[Money]] = Field(convert=_many(Money))
    #: The payments' ``parameters`` as ``price`` set them (e.g. ``orderid``), merged, with
    #: ``scanpay_reference``; empty for an ``error`` event of a spot not priced yet.
    parameters: Field[Dict[str, Any]] = Field()
    #: What went wrong, for ``error`` events.
    message: Field[Optional[str]] = Field()


class UndeliveredEvent(Model):
    """An event ``on_event`` has not acknowledged yet, as the store keeps it."""

    __slots__ = ()
    event: Field[Event] = Field(convert=_one(Event))
    #: Order of recording; a spot's events are delivered in this order.
    seq: Field[int] = Field()
    #: Failed deliveries so far.
    attempts: Field[int] = Field()
    #: Why the last delivery failed.
    last_error: Field[Optional[str]] = Field()
    #: Unix milliseconds before which it is not retried.
    next_attempt_at_ms: Field[int] = Field()


class TickReport(Model):
    """What one tick did."""

    __slots__ = ()
    #: Listing requests: at most 2, whatever the number of spots.
    polling_requests: Field[int] = Field()
    #: Requests the tick's work required.
    action_requests: Field[int] = Field()
    #: Events delivered during the tick, in order.
    events: Field[List[Event]] = Field(convert=_many(Event))


class CashierRecord(Model):
    """A check-in in progress, as the store keeps it."""

    __slots__ = ()
    reference: Field[str] = Field()
    spot_id: Field[int] = Field()
    location_id: Field[Optional[int]] = Field()
    #: ``creating``, ``created``, ``ordering``, ``ordered``, ``confirming``, ``revoking`` or
    #: ``closing``.
    stage: Field[str] = Field()
    #: For ``closing``: ``paid``, ``rejected``, ``expired`` or ``failed``.
    outcome: Field[Optional[str]] = Field()
    transaction_key: Field[Optional[str]] = Field()
    #: Unix seconds.
    started_at: Field[int] = Field()
    ordered_at: Field[Optional[int]] = Field()
    amounts: Field[List[Money]] = Field(convert=_many(Money))
    #: The payments' ``parameters``, merged.
    parameters: Field[Dict[str, Any]] = Field()
    #: Event kinds already recorded for delivery (see ``Cashier.undelivered()``).
    delivered: Field[List[str]] = Field()


class CashierStats(Model):
    """The cashier's health, for a ``/healthz`` endpoint or metrics (``Cashier.stats()``)."""

    __slots__ = ()
    #: ``active`` (holds the store's lease: polls, acts, delivers events), ``standby`` (another
    #: replica holds it) or ``idle`` (no tick has taken it: not started, or between runs).
    role: Field[str] = Field()
    #: This cashier's id in the store's lease (``host:pid:random``).
    owner: Field[str] = Field()
    #: The store's URL, password redacted.
    store: Field[str] = Field()
    #: The replica holding the lease, on a standby.
    active_owner: Field[Optional[str]] = Field()
    #: Until when the lease is held (Unix ms).
    lease_until_ms: Field[Optional[int]] = Field()
    #: Whether ``run_once()`` or ``run_forever()`` is in progress.
    running: Field[bool] = Field()
    #: When the last tick ended (Unix ms).
    last_tick_at_ms: Field[Optional[int]] = Field()
    #: Ticks so far.
    ticks: Field[int] = Field()
    #: Failed ticks in a row (Paysera or the store unreachable, or a store write failed during
    #: the tick); 0 when the last one worked.
    consecutive_errors: Field[int] = Field()
    #: Why the last failed tick failed.
    last_error: Field[Optional[str]] = Field()
    #: Check-ins in progress, and the age of the oldest in seconds.
    open_records: Field[int] = Field()
    oldest_record_age_s: Field[Optional[int]] = Field()
    #: Events ``on_event`` has not acknowledged.
    undelivered_events: Field[int] = Field()
    #: Requests the budget allows now (``None``: no limit).
    budget_tokens: Field[Optional[float]] = Field()
    #: Until when every request waits after a 429 or errors (Unix ms).
    paused_until_ms: Field[Optional[int]] = Field()


#: What ``price`` returns: the payments for a waiting spot, or ``None`` to leave it alone.
PriceResult = Optional[Sequence[PaymentLike]]
#: What ``adjust`` returns: lower prices by payment id, or ``None`` to confirm as reserved.
AdjustResult = Optional[Mapping[int, Union[Money, Mapping[str, Any]]]]
StoreLike = Union[str, "os.PathLike[str]", None]
#: What the native run hands over: ``(kind, payload, reply)``.
Item = Tuple[str, Any, Optional[_native.HandlerReply]]

_HANDLER_NAMES = {"price": "price", "adjust": "adjust", "event": "on_event"}


def _describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _encode(kind: str, value: Any) -> Any:
    """A handler's return value as wire data (models become dicts); the core validates it."""
    if value is None:
        return None
    if kind == "price":
        return [p.to_dict() if isinstance(p, Model) else p for p in value]
    if kind == "adjust":
        return {k: v.to_dict() if isinstance(v, Model) else v for k, v in value.items()}
    return None


def _outcome(kind: str, payload: Any) -> Any:
    if kind == "failed":
        raise payload
    return payload


class _BaseCashier:
    __slots__ = ("_adjust", "_native", "_on_event", "_price", "_store")

    def __init__(
        self,
        client: Union[Client, AsyncClient],
        price: Callable[[Spot], Any],
        on_event: Callable[[Event], Any],
        store: StoreLike = None,
        *,
        adjust: Optional[Callable[[Transaction], Any]] = None,
        poll_interval: float = _native.DEFAULT_POLL_INTERVAL,
        requests_per_minute: int = _native.DEFAULT_REQUESTS_PER_MINUTE,
        customer_timeout: float = _native.DEFAULT_CUSTOMER_TIMEOUT,
        page_size: int = _native.DEFAULT_PAGE_SIZE,
        concurrency: int = _native.DEFAULT_CONCURRENCY,
        location_id: Optional[int] = None,
        event_retry: float = _native.DEFAULT_EVENT_RETRY,
        event_retry_max: float = _native.DEFAULT_EVENT_RETRY_MAX,
        callback_uri: Optional[str] = None,
        lease_ttl: float = _native.DEFAULT_LEASE_TTL,
        wake_interval: float = _native.DEFAULT_WAKE_INTERVAL,
    ) -> None:
        if not isinstance(client, _BaseClient):
            raise TypeError("client must be a paysera_scanpay Client or AsyncClient")
        for name, handler in (("price", price), ("on_event", on_event), ("adjust", adjust)):
            if not callable(handler) and not (name == "adjust" and handler is None):
                raise TypeError(f"{name} must be callable")
            self._check_handler(name, handler)
        for name, number in (
            ("requests_per_minute", requests_per_minute),
            ("page_size", page_size),
            ("concurrency", concurrency),
        ):
            if not isinstance(number, int) or number < 0:
                raise InvalidInputError(f"{name} must be a whole number, 0 or more")
        self._price = price
        self._on_event = on_event
        self._adjust = adjust
        self._native = _native.NativeCashier(
            client._native,
            "memory" if store is None else os.fspath(store),
            adjust is not None,
            float(poll_interval),
            requests_per_minute,
            float(customer_timeout),
            page_size,
            concurrency,
            float(event_retry),
            float(event_retry_max),
            location_id,
            callback_uri,
            float(lease_ttl),
            float(wake_interval),
        )
        # Where the store is, password redacted (for repr).
        self._store: str = self._native.stats()["store"]

    def _check_handler(self, name: str, handler: Any) -> None:
        pass

    def stop(self) -> None:
        """Ends ``run_forever()`` after the tick in progress. Safe from any thread and from a
        signal handler; a ``stop()`` that comes before ``run_forever()`` starts counts."""
        self._native.stop()

    @property
    def running(self) -> bool:
        """True while ``run_once()`` or ``run_forever()`` is in progress (one at a time)."""
        return self._native.running

    def stats(self) -> CashierStats:
        """The cashier's health now: its role among replicas, ticks, consecutive errors, open
        check-ins, undelivered events and the request budget (see ``docs/deployment.md``)."""
        return CashierStats._from_wire(self._native.stats())

    def records(self) -> List[CashierRecord]:
        """Check-ins in progress, as this cashier knows them (empty when all is settled, and on
        a standby replica)."""
        return [CashierRecord._from_wire(r) for r in self._native.records()]

    def undelivered(self) -> List[UndeliveredEvent]:
        """Events ``on_event`` has not acknowledged yet (it raised, or has not been called yet),
        oldest first, with their failed ``attempts``, ``last_error`` and ``next_attempt_at_ms``.
        Empty when every event was delivered."""
        return [UndeliveredEvent._from_wire(e) for e in self._native.undelivered()]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(store={self._store!r}, running={self.running})"

    def __reduce__(self) -> Any:
        raise TypeError(f"{type(self).__name__} cannot be pickled (it holds a client)")

    # --- the handlers, as the engine calls them ---------------------------------------------

    def _call(self, kind: str, payload: Any) -> Any:
        if kind == "price":
            return self._price(Spot._from_wire(payload))
        if kind == "adjust":
            assert self._adjust is not None
            return self._adjust(Transaction._from_wire(payload))
        return self._on_event(Event._from_wire(payload))

    def _reply(self, kind: str, reply: _native.HandlerReply, value: Any) -> None:
        try:
            encoded = _encode(kind, value)
        except Exception as e:  # e.g. price returned something that is not a list
            self._failed(kind, reply, e)
            return
        reply.ok(encoded)

    def _failed(self, kind: str, reply: _native.HandlerReply, error: BaseException) -> None:
        name = _HANDLER_NAMES[kind]
        _log.error("cashier: the %s handler raised", name, exc_info=error)
        reply.error(_describe(error))


class Cashier(_BaseCashier):
    """The Scan and Pay cashier over a ``Client``: ``run_forever()`` in a management command,
    a worker or a thread, or ``run_once()`` from your own scheduler.

    ``price(spot)`` returns the payments for a waiting spot (``Payment`` objects or dicts with
    Paysera's names), or ``None`` to leave it for now (asked again next tick). ``on_event(event)``
    is called at least once per ``Event``: until it returns without raising (de-duplicate on
    ``event.id``). ``adjust(transaction)``, optional, lowers a reserved bill
    before it is confirmed: ``{payment_id: {"price": cents, "currency": "EUR"}}`` or ``None``.
    Handlers are plain functions, called one at a time on the thread running the cashier.

    ``store``: a URL, ``"memory"`` (the default: kept in this process),
    ``"sqlite:///path/cashier.db"`` (durable, on this machine) or
    ``"postgres://user:pass@host:port/db"`` (shared by replicas); a plain path means SQLite there
    (an old cashier log at that path is imported). A restarted cashier finishes what it started.
    Cashiers sharing a store take turns: one is active, the others stand by and take over when
    its lease (``lease_ttl`` seconds) expires. ``wake_interval`` (seconds) is how often the
    active cashier looks in a shared store for callbacks other processes handed over.
    ``poll_interval`` and ``customer_timeout`` are seconds; ``requests_per_minute`` is the
    budget every request shares (0: unlimited); ``page_size`` (1–200) sizes the two listings;
    ``concurrency`` spots are handled at once within a tick; ``location_id`` limits the cashier
    to one location. ``event_retry`` (seconds) is the first pause before an event whose
    ``on_event`` raised is delivered again; it doubles, with jitter, up to ``event_retry_max``.
    ``callback_uri``: set on the transactions the cashier creates; pass what Paysera posts there
    to ``handle_callback()`` and the cashier acts at once instead of at its next poll.
    """

    __slots__ = ()

    def __init__(
        self,
        client: Union[Client, AsyncClient],
        price: Callable[[Spot], PriceResult],
        on_event: Callable[[Event], object],
        store: StoreLike = None,
        *,
        adjust: Optional[Callable[[Transaction], AdjustResult]] = None,
        poll_interval: float = _native.DEFAULT_POLL_INTERVAL,
        requests_per_minute: int = _native.DEFAULT_REQUESTS_PER_MINUTE,
        customer_timeout: float = _native.DEFAULT_CUSTOMER_TIMEOUT,
        page_size: int = _native.DEFAULT_PAGE_SIZE,
        concurrency: int = _native.DEFAULT_CONCURRENCY,
        location_id: Optional[int] = None,
        event_retry: float = _native.DEFAULT_EVENT_RETRY,
        event_retry_max: float = _native.DEFAULT_EVENT_RETRY_MAX,
        callback_uri: Optional[str] = None,
        lease_ttl: float = _native.DEFAULT_LEASE_TTL,
        wake_interval: float = _native.DEFAULT_WAKE_INTERVAL,
    ) -> None:
        super().__init__(
            client,
            price,
            on_event,
            store,
            adjust=adjust,
            poll_interval=poll_interval,
            requests_per_minute=requests_per_minute,
            customer_timeout=customer_timeout,
            page_size=page_size,
            concurrency=concurrency,
            location_id=location_id,
            event_retry=event_retry,
            event_retry_max=event_retry_max,
            callback_uri=callback_uri,
            lease_ttl=lease_ttl,
            wake_interval=wake_interval,
        )

    def _check_handler(self, name: str, handler: Any) -> None:
        if inspect.iscoroutinefunction(handler):
            raise TypeError(f"{name} is an async function: give async handlers to AsyncCashier")

    def handle_callback(self, body: Union[bytes, str]) -> bool:
        """Takes the raw form body Paysera posted to ``callback_uri`` (Django:
        ``request.body``), verifies its signature and wakes the running cashier to act on its
        transaction now. ``True`` when genuine; ``False`` when refused (forged, unsigned,
        already handled, or not this cashier's transaction: logged, nothing changed). Raises
        only when Paysera's public key cannot be fetched (answer 5xx; polling covers it)."""
        genuine: bool = self._native.handle_callback(body).wait()
        return genuine

    def run_once(self) -> TickReport:
        """One tick: finish what was left mid-way, read one page of waiting spots and one of
        reserved transactions, act on them, revoke orders ignored too long. Raises a
        ``PayseraError`` only when it could not poll (the next tick tries again). The GIL is
        released while the engine works; Ctrl-C drops the tick where it is (the store keeps
        what was started, and the next run finishes it)."""
        report: TickReport = TickReport._from_wire(self._drive(False))
        return report

    def run_forever(self) -> None:
        """Ticks every ``poll_interval`` (at once while more pages of waiting spots or reserved
        transactions remain and the budget can spare them) until ``stop()`` (from another
        thread or a signal handler), which ends it after the tick in progress. A failing tick (Paysera down, rate
        limited) is logged and retried; it never raises for that. ``KeyboardInterrupt`` drops
        the tick where it is and propagates."""
        self._drive(True)

    def _drive(self, forever: bool) -> Any:
        run = self._native.start(forever)
        pending: Deque[Item] = deque()
        try:
            kind, payload = self._pump(run, pending)
        except BaseException:
            run.abort()
            self._wind_down(run, pending)
            raise
        return _outcome(kind, payload)

    def _pump(self, run: _native.NativeRun, pending: Deque[Item]) -> Tuple[str, Any]:
        """Serves the engine's calls until the run ends; returns how it ended."""
        while True:
            pending.extend(run.wait(_WAKE))
            while pending:
                kind, payload, reply = pending.popleft()
                if reply is None:
                    return kind, payload
                self._serve(kind, payload, reply)

    def _serve(self, kind: str, payload: Any, reply: _native.HandlerReply) -> None:
        if kind != "event" and not reply.wanted:
            return  # asked by an interrupted run: nobody waits for a price any more
        try:
            result = self._call(kind, payload)
        except Exception as e:
            self._failed(kind, reply, e)
            return
        if inspect.isawaitable(result):
            if inspect.iscoroutine(result):
                result.close()
            name = _HANDLER_NAMES[kind]
            error = TypeError(
                f"the {name} handler returned an awaitable: give async handlers to AsyncCashier"
            )
            self._failed(kind, reply, error)
            return
        self._reply(kind, reply, result)

    def _wind_down(self, run: _native.NativeRun, pending: Deque[Item]) -> None:
        """After an interrupt: waits for the engine's task to be gone, serving the events it had
        already handed over (calls for prices are not answered any more). An event whose answer
        comes too late stays in the store's outbox and is delivered again by the next run."""
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            while pending:
                kind, payload, reply = pending.popleft()
                if reply is None:
                    return
                self._serve(kind, payload, reply)
            pending.extend(run.wait(_WAKE))


class AsyncCashier(_BaseCashier):
    """The asyncio twin of ``Cashier``: same arguments (over an ``AsyncClient`` or a
    ``Client``), coroutine ``run_once()`` and ``run_forever()``.

    Handlers may be plain functions (run on the event loop: keep them quick) or ``async def``
    (awaited; calls for different spots overlap, up to ``concurrency``). Cancelling the task
    that awaits ``run_once()`` or ``run_forever()`` drops the engine's work where it is, and
    handlers still running with it; the store keeps what was started, and the next run
    finishes it. ``stop()`` ends ``run_forever()`` after the tick in progress instead.
    """

    __slots__ = ()

    def __init__(
        self,
        client: Union[AsyncClient, Client],
        price: Callable[[Spot], Union[PriceResult, Awaitable[PriceResult]]],
        on_event: Callable[[Event], object],
        store: StoreLike = None,
        *,
        adjust: Optional[Callable[[Transaction], Union[AdjustResult, Awaitable[AdjustResult]]]] = None,
        poll_interval: float = _native.DEFAULT_POLL_INTERVAL,
        requests_per_minute: int = _native.DEFAULT_REQUESTS_PER_MINUTE,
        customer_timeout: float = _native.DEFAULT_CUSTOMER_TIMEOUT,
        page_size: int = _native.DEFAULT_PAGE_SIZE,
        concurrency: int = _native.DEFAULT_CONCURRENCY,
        location_id: Optional[int] = None,
        event_retry: float = _native.DEFAULT_EVENT_RETRY,
        event_retry_max: float = _native.DEFAULT_EVENT_RETRY_MAX,
        callback_uri: Optional[str] = None,
        lease_ttl: float = _native.DEFAULT_LEASE_TTL,
        wake_interval: float = _native.DEFAULT_WAKE_INTERVAL,
    ) -> None:
        super().__init__(
            client,
            price,
            on_event,
            store,
            adjust=adjust,
            poll_interval=poll_interval,
            requests_per_minute=requests_per_minute,
            customer_timeout=customer_timeout,
            page_size=page_size,
            concurrency=concurrency,
            location_id=location_id,
            event_retry=event_retry,
            event_retry_max=event_retry_max,
            callback_uri=callback_uri,
            lease_ttl=lease_ttl,
            wake_interval=wake_interval,
        )

    async def handle_callback(self, body: Union[bytes, str]) -> bool:
        """``Cashier.handle_callback()``, awaitable (aiohttp, Starlette, Django async views)."""
        genuine: bool = await _run(self._native.handle_callback(body))
        return genuine

    async def run_once(self) -> TickReport:
        """One tick (see ``Cashier.run_once``); the event loop stays free meanwhile."""
        report: TickReport = TickReport._from_wire(await self._drive(False))
        return report

    async def run_forever(self) -> None:
        """Ticks every ``poll_interval`` (at once while more pages remain and the budget can
        spare them, as ``Cashier.run_forever``) until ``stop()`` or until the task is
        cancelled."""
        await self._drive(True)

    async def _drive(self, forever: bool) -> Any:
        import asyncio

        from . import _wakeup

        loop = asyncio.get_running_loop()
        run = self._native.start(forever)
        done: asyncio.Future[Tuple[str, Any]] = loop.create_future()
        handlers: Set[asyncio.Task[None]] = set()

        def on_ready() -> None:
            try:
                items = run.drain()
            except Exception as e:
                run.abort()
                if not done.done():
                    done.set_exception(e)
                return
            for kind, payload, reply in items:
                if reply is None:
                    if not done.done():
                        done.set_result((kind, payload))
                else:
                    self._serve(loop, kind, payload, reply, handlers)

        watch = _wakeup.watch(loop, run, on_ready)
        try:
            while not done.done():
                await asyncio.wait((done,), timeout=_FLUSH)
                _native.flush_logs()
        except BaseException as interrupt:
            # Cancelled: drop the engine's work and its handlers, and return only once they
            # are gone, so that nothing of this run goes on behind the caller's back (a
            # coroutine being closed, GeneratorExit, may not await any more).
            run.abort()
            for task in handlers:
                task.cancel()
            if not isinstance(interrupt, GeneratorExit):
                while not done.done():
                    await asyncio.wait((done,), timeout=_FLUSH)
                if handlers:
                    await asyncio.wait(set(handlers))
            raise
        finally:
            watch.close()
        return _outcome(*done.result())

    def _serve(
        self,
        loop: asyncio.AbstractEventLoop,
        kind: str,
        payload: Any,
        reply: _native.HandlerReply,
        handlers: Set[asyncio.Task[None]],
    ) -> None:
        if kind != "event" and not reply.wanted:
            return
        try:
            result = self._call(kind, payload)
        except Exception as e:
            self._failed(kind, reply, e)
            return
        if inspect.isawaitable(result):
            task = loop.create_task(self._settle(kind, result, reply))
            handlers.add(task)
            task.add_done_callback(handlers.discard)
        else:
            self._reply(kind, reply, result)

    async def _settle(self, kind: str, pending: Awaitable[Any], reply: _native.HandlerReply) -> None:
        try:
            value = await pending
        except Exception as e:
            self._failed(kind, reply, e)
            return
        self._reply(kind, reply, value)
