"""How finished native work reaches an asyncio loop, on any platform.

The native side (``_native.Completions`` for ``AsyncClient``, ``_native.NativeRun`` for
``AsyncCashier``) queues results and then wakes the loop, which drains them on its own thread.
Two ways:

- ``"reader"``: the loop watches the native side's socket (``loop.add_reader``). Selector loops on
  Linux and macOS, and uvloop. No thread, no polling.
- ``"thread"``: where the loop has no working ``add_reader`` (Windows' default
  ``ProactorEventLoop`` raises ``NotImplementedError``) or the native side has no socket
  (non-unix builds), a daemon thread waits in native code with the GIL released and schedules the
  drain with ``loop.call_soon_threadsafe``. It ends when the watch is closed, when its loop is
  closed (checked every ``_IDLE`` seconds while nothing happens) and at interpreter exit.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Callable, Optional, Protocol, Set

if TYPE_CHECKING:
    import asyncio
    from typing import Literal


class Source(Protocol):
    """What the native side offers: ``_native.Completions`` and ``_native.NativeRun``."""

    def fileno(self) -> Optional[int]:
        """The socket to watch, or ``None`` on builds without one."""

    def wait_ready(self, timeout: float) -> bool:
        """Waits (GIL released) for something to drain; false on timeout or once stopped."""

    def stop_waiting(self) -> None:
        """Ends every wait of ``wait_ready``, now and later."""


#: How often an idle waiter thread checks that its loop is still open (seconds).
_IDLE = 1.0
#: How long interpreter exit waits for the waiter threads to leave native code (seconds).
_EXIT_WAIT = 2.0

# Plain set operations, atomic under the GIL: no lock that a fork() could leave held.
_waiters: Set[_Waiter] = set()
_exit_hook = False


class Watch:
    """Keeps ``callback`` called on the loop's thread whenever there is something to drain,
    until ``close()``."""

    __slots__ = ("_fd", "_loop", "_waiter", "mode")

    def __init__(
        self,
        mode: Literal["reader", "thread"],
        loop: asyncio.AbstractEventLoop,
        fd: Optional[int] = None,
        waiter: Optional[_Waiter] = None,
    ) -> None:
        #: ``"reader"`` or ``"thread"`` (see the module's docstring).
        self.mode = mode
        # Weak: a loop's bridge (which keeps its watch) lives in a dict keyed by the loop.
        self._loop: Optional[weakref.ref[asyncio.AbstractEventLoop]] = (
            weakref.ref(loop) if mode == "reader" else None
        )
        self._fd = fd
        self._waiter = waiter

    def close(self) -> None:
        """Stops the callbacks (call it on the loop's thread); idempotent."""
        ref, self._loop = self._loop, None
        loop = None if ref is None else ref()
        if loop is not None and self._fd is not None and not loop.is_closed():
            loop.remove_reader(self._fd)
        waiter, self._waiter = self._waiter, None
        if waiter is not None:
            waiter.stop()

    def __repr__(self) -> str:
        return f"<Watch {self.mode}>"


def watch(loop: asyncio.AbstractEventLoop, source: Source, callback: Callable[[], None]) -> Watch:
    """Calls ``callback`` on ``loop`` whenever ``source`` has something to drain."""
    fd = source.fileno()
    if fd is not None:
        try:
            loop.add_reader(fd, callback)
        except NotImplementedError:  # ProactorEventLoop, and any loop without readers
            pass
        else:
            return Watch("reader", loop, fd=fd)
    waiter = _Waiter(loop, source, callback)
    _register_exit_hook()
    _waiters.add(waiter)
    try:
        waiter.start()
    except BaseException:
        _waiters.discard(waiter)
        raise
    return Watch("thread", loop, waiter=waiter)


class _Waiter(threading.Thread):
    def __init__(self, loop: asyncio.AbstractEventLoop, source: Source, callback: Callable[[], None]) -> None:
        super().__init__(name="paysera-scanpay-wakeup", daemon=True)
        self._loop: Optional[asyncio.AbstractEventLoop] = loop
        self._source = source
        self._callback: Optional[Callable[[], None]] = callback
        self._stopped = False

    def run(self) -> None:
        loop, source = self._loop, self._source
        assert loop is not None
        try:
            while not self._stopped:
                if source.wait_ready(_IDLE):
                    try:
                        loop.call_soon_threadsafe(self._fire)
                    except RuntimeError:  # the loop is closed
                        return
                elif loop.is_closed():
                    return
        finally:
            # Nothing here may keep the loop (or the bridge it is a key of) alive any more.
            self._loop = self._callback = None
            _waiters.discard(self)

    def _fire(self) -> None:
        # On the loop's thread, like close(): after close() no callback runs, even one that was
        # already scheduled.
        callback = self._callback
        if not self._stopped and callback is not None:
            callback()

    def stop(self) -> None:
        self._stopped = True
        self._source.stop_waiting()


def _register_exit_hook() -> None:
    global _exit_hook
    if not _exit_hook:
        import atexit

        atexit.register(_stop_all)
        _exit_hook = True


def _stop_all() -> None:
    """At interpreter exit: get every waiter thread out of native code before the interpreter
    finalizes (a daemon thread returning into a finalizing interpreter is not safe)."""
    import time

    waiters = list(_waiters)
    for waiter in waiters:
        waiter.stop()
    deadline = time.monotonic() + _EXIT_WAIT
    for waiter in waiters:
        waiter.join(max(0.0, deadline - time.monotonic()))
