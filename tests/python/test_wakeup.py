"""How finished native work reaches the event loop (`paysera_scanpay._wakeup`): the socket the loop
watches where it can (`add_reader`), and elsewhere — Windows' default ProactorEventLoop — a
waiter thread blocked in native code that hands each batch to the loop. Here the fallback runs
on a loop whose `add_reader` raises NotImplementedError, as the Proactor's does."""

from __future__ import annotations

import asyncio
import math
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, List, Optional, Set, Tuple

import pytest
from conftest import TESTS, has_fd, no_add_reader, run_without_add_reader
from paysera_scanpay import AsyncCashier, Client, Event, NotFoundError, _native
from paysera_scanpay import client as client_module
from paysera_scanpay.testing import Sandbox

WAITER = "paysera-scanpay-wakeup"


def waiters() -> Set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == WAITER}


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_native_wakeup(sandbox: Sandbox, client: Client) -> None:
    completions = _native.Completions()
    fd = completions.fileno()
    assert (fd is not None) == has_fd()
    if sys.platform != "win32" and not os.environ.get("PAYSERA_TEST_PORTABLE_BUILD"):
        # Unix builds have the fast path; set PAYSERA_TEST_PORTABLE_BUILD=1 to test a build made
        # with the portable-wakeup feature (the non-unix code, on this host).
        assert fd is not None
    assert completions.wait_ready(0.0) is False
    start = time.monotonic()
    assert completions.wait_ready(0.05) is False  # nothing started: a plain timeout
    assert time.monotonic() - start >= 0.04

    # Twenty results, one wakeup: the waiter is woken once per batch, not once per result.
    tasks = [client._native.server_time().start(completions, token) for token in range(20)]
    eventually(lambda: all(t.done() for t in tasks))
    assert completions.wait_ready(5.0) is True
    assert completions.wait_ready(0.0) is False
    drained = completions.drain()
    assert sorted(token for token, _, _ in drained) == list(range(20))
    assert all(ok and isinstance(value, int) for _, ok, value in drained)

    # A result queued after a drain wakes the waiter again, errors included.
    client._native.get_spot(999).start(completions, 20)
    assert completions.wait_ready(5.0) is True
    [(token, ok, error)] = completions.drain()
    assert (token, ok, type(error)) == (20, False, NotFoundError)

    # The GIL is released while waiting: this thread keeps running.
    ticks: List[float] = []
    waiting = threading.Thread(target=completions.wait_ready, args=(0.3,))
    waiting.start()
    while waiting.is_alive():
        ticks.append(time.monotonic())
    assert len(ticks) > 100 and ticks[-1] - ticks[0] > 0.2

    # stop_waiting() ends a wait in progress, and every later one at once.
    blocked = threading.Thread(target=completions.wait_ready, args=(math.inf,))
    blocked.start()
    time.sleep(0.05)
    completions.stop_waiting()
    blocked.join(2.0)
    assert not blocked.is_alive()
    start = time.monotonic()
    for timeout in (math.inf, math.nan, -1.0, 1e300, 30.0):
        assert completions.wait_ready(timeout) is False
    assert time.monotonic() - start < 0.5


@pytest.mark.event_loop
def test_async_client_on_a_loop_without_add_reader(sandbox: Sandbox) -> None:
    spot = sandbox.create_spot(1, "t1")
    sandbox.inject_fault("delay", ms=1000, path="/server")  # slow: cut short by the deadline
    before = waiters()
    seen: List[Any] = []

    async def main() -> None:
        async with sandbox.async_client(retries=0) as client:
            results = await asyncio.gather(*(client.get_spot(spot.id) for _ in range(50)))
            assert [r.id for r in results] == [spot.id] * 50
            with pytest.raises(NotFoundError):
                await client.get_spot(spot.id + 1000)
            # Cancelling still cancels the request.
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(client.server_time(), 0.2)
            loop = asyncio.get_running_loop()
            bridge = client_module._bridges[loop]
            seen.extend([bridge._watch.mode, loop])
            assert len(waiters() - before) == 1  # one waiter per loop, for all its calls

    run_without_add_reader(main())
    mode, loop = seen
    assert mode == "thread" and loop.is_closed()
    del seen[:], loop
    # The waiter sees that its loop is closed and goes away.
    eventually(lambda: not (waiters() - before))


@pytest.mark.event_loop
def test_async_cashier_on_a_loop_without_add_reader(sandbox: Sandbox, client: Client) -> None:
    spots = [sandbox.create_spot(1, f"t{i}") for i in range(3)]
    for spot in spots:
        sandbox.scan(spot.id)
    sandbox.set_autopilot("confirm")
    events: List[Tuple[int, str]] = []
    before = waiters()
    during: List[int] = []

    async def price(spot: Any) -> List[Any]:
        await asyncio.sleep(0.01)
        during.append(len(waiters() - before))
        return [{"description": "x", "price": 100, "currency": "EUR"}]

    async def on_event(event: Event) -> None:
        events.append((event.spot_id, str(event.kind)))

    async def main() -> None:
        # Over a blocking Client: the cashier's own run is all that needs waking.
        c = AsyncCashier(client, price, on_event, poll_interval=0, requests_per_minute=0)
        for _ in range(3):
            await c.run_once()
            # Each run's waiter ends with the run.
            eventually(lambda: not (waiters() - before), 2.0)
        # Cancelled mid-tick: the run and its waiter are gone when the task is.
        task = asyncio.ensure_future(c.run_forever())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not c.running
        eventually(lambda: not (waiters() - before), 2.0)

    run_without_add_reader(main())
    assert during and set(during) == {1}
    for spot in spots:
        assert [k for s, k in events if s == spot.id] == ["order_created", "paid", "spot_closed"]


@pytest.mark.event_loop
@pytest.mark.skipif(not has_fd() or no_add_reader(), reason="no add_reader in this run")
def test_the_fast_path_needs_no_thread(sandbox: Sandbox) -> None:
    before = waiters()
    modes: List[Optional[str]] = []

    async def main() -> None:
        async with sandbox.async_client() as client:
            await client.server_time()
            modes.append(client_module._bridges[asyncio.get_running_loop()]._watch.mode)
            assert waiters() == before

    asyncio.run(main())
    assert modes == ["reader"]


EXITS = f"""
import asyncio, atexit, sys, threading
sys.path.insert(0, {str(TESTS)!r})
import conftest
from paysera_scanpay import AsyncClient

conftest.record_wakeups(check_at_exit=True)  # complains on stderr unless the fallback was used

@atexit.register  # runs after the package's own exit hook
def no_waiter_left() -> None:
    alive = [t for t in threading.enumerate() if t.name == {WAITER!r}]
    if alive:
        print("waiter threads alive at exit:", alive, file=sys.stderr)

async def main(mode: str) -> None:
    client = AsyncClient(sys.argv[1], sys.argv[2], base_url=sys.argv[3])
    if mode == "await":
        await client.server_time()
    else:  # requests still in flight as the loop shuts down
        for _ in range(5):
            asyncio.ensure_future(client.list_spots())
        await asyncio.sleep(0)

if sys.argv[5] == "close":
    conftest.run_without_add_reader(main(sys.argv[4]))
else:  # the loop is left open: its waiter idles in native code until the exit hook stops it
    conftest.NoReaderLoop().run_until_complete(main(sys.argv[4]))
"""


@pytest.mark.event_loop
def test_scripts_on_a_loop_without_add_reader_exit_cleanly(sandbox: Sandbox, tmp_path: Any) -> None:
    script = tmp_path / "exits.py"
    script.write_text(EXITS)
    runs = [("await", "close"), ("await", "open"), ("in_flight", "close")] * 4

    def run(args: Tuple[str, str]) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, str(script), sandbox.client_id, sandbox.mac_key, sandbox.base_url, *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=60)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, runs))
    failures = [
        (args, r.returncode, r.stderr[-500:]) for args, r in zip(runs, results) if r.returncode or r.stderr
    ]
    assert failures == []
