"""The native runtime from Python's side: the GIL is released, Ctrl-C works, fork() is
survived, asyncio cancellation cancels the request, many concurrent awaits, and one-shot scripts
that exit right after an await never crash the interpreter."""

from __future__ import annotations

import _thread
import asyncio
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List

import pytest
from conftest import SCRIPT_PRELUDE
from paysera_scanpay import Client, _native
from paysera_scanpay.testing import Sandbox


def test_gil_is_released_during_a_call(sandbox: Sandbox, client: Client) -> None:
    sandbox.inject_fault("delay", ms=600, path="/spots")
    ticks: List[float] = []
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            ticks.append(time.perf_counter())

    thread = threading.Thread(target=spin)
    thread.start()
    try:
        start = time.perf_counter()
        client.list_spots()
        end = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    during = [t for t in ticks if start < t < end]
    assert end - start >= 0.55
    # Python code kept running in the other thread for the whole slow call.
    assert len(during) > 1000
    assert during[-1] - during[0] > 0.4


def test_threads_share_one_client(sandbox: Sandbox, client: Client) -> None:
    spot = sandbox.create_spot(1, "t1")
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: client.get_spot(spot.id), range(40)))
    assert all(r == results[0] for r in results)


def test_a_slow_blocking_call_holds_up_no_other_thread(sandbox: Sandbox, client: Client) -> None:
    # Blocking calls of a client and its views share one current-thread runtime, which whichever
    # thread is waiting drives for all of them: a slow call in one thread must not delay others.
    spot = sandbox.create_spot(1, "slow-and-fast")
    sandbox.inject_fault("delay", ms=3000, path="/server")
    view = client.with_options(timeout=10)
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(client.server_time)
        time.sleep(0.3)  # the slow call is in flight, its thread driving the runtime
        for _ in range(5):
            assert view.get_spot(spot.id).id == spot.id
            assert client.get_spot(spot.id).id == spot.id
        assert not slow.done()
        assert slow.result() > 0


def test_ctrl_c_interrupts_a_blocking_call(sandbox: Sandbox, client: Client) -> None:
    sandbox.inject_fault("delay", ms=3000, path="/server")
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        client.server_time()
    assert time.perf_counter() - start < 1.5
    timer.join()


@pytest.mark.event_loop
@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() on this platform")
def test_fork_child_keeps_working(sandbox: Sandbox, client: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="paysera_scanpay")  # tokio threads queue log records
    spot = sandbox.create_spot(1, "table1")
    assert client.get_spot(spot.id).id == spot.id  # pooled connections on the parent's runtime
    unused = sandbox.client()  # built before the fork, first used in the child
    generation = _native.runtime_generation()
    assert generation >= 1
    pid = os.fork()
    if pid == 0:  # the child: gunicorn --preload / Celery prefork
        code = 1
        try:
            signal.alarm(30)
            assert client.get_spot(spot.id).id == spot.id
            assert _native.runtime_generation() == generation + 1
            assert unused.server_time() > 0

            async def in_child() -> int:
                async with sandbox.async_client() as ac:
                    return len(await asyncio.gather(*(ac.get_spot(spot.id) for _ in range(10))))

            assert asyncio.run(in_child()) == 10
            tx = client.create_transaction([{"description": "child", "price": 100, "currency": "EUR"}])
            code = 0 if tx.status == "new" else 2
        except BaseException as e:  # report, never return into pytest in the child
            print(f"child failed: {e!r}", file=sys.stderr)
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert _native.runtime_generation() == generation  # the parent's runtime is untouched
    assert client.get_spot(spot.id).id == spot.id
    assert [t.payments[0].description for t in sandbox.transactions() if t.payments] == ["child"]


@pytest.mark.event_loop
def test_asyncio_cancellation_cancels_the_request(sandbox: Sandbox) -> None:
    sandbox.inject_fault("delay", ms=1000, method="POST", path="/transaction")

    async def main() -> None:
        async with sandbox.async_client(retries=0) as client:
            task = asyncio.ensure_future(
                client.create_transaction([{"description": "x", "price": 100, "currency": "EUR"}])
            )
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            with pytest.raises(asyncio.TimeoutError):
                sandbox.inject_fault("delay", ms=1000, path="/server")
                await asyncio.wait_for(client.server_time(), 0.2)
            await asyncio.sleep(1.2)  # past the delay: a request still in flight would land now
            assert sandbox.transactions() == []  # the connection was dropped, nothing applied
            assert await client.server_time() > 0  # and the client is fine

    asyncio.run(main())


@pytest.mark.event_loop
def test_a_hundred_concurrent_requests(sandbox: Sandbox) -> None:
    spot = sandbox.create_spot(1, "t1")

    async def main() -> None:
        async with sandbox.async_client() as client:
            results = await asyncio.gather(*(client.get_spot(spot.id) for _ in range(100)))
            assert len(results) == 100 and all(r.id == spot.id for r in results)

    start = time.perf_counter()
    asyncio.run(main())
    elapsed = time.perf_counter() - start
    journal = sandbox.requests()
    assert len(journal) == 100 and {r["status"] for r in journal} == {200}
    assert len({r["nonce"] for r in journal}) == 100  # each request signed afresh
    assert elapsed < 10


@pytest.mark.event_loop
def test_two_event_loops_in_two_threads(sandbox: Sandbox) -> None:
    client = sandbox.async_client()

    def in_thread() -> int:
        async def main() -> int:
            return len(await asyncio.gather(*(client.server_time() for _ in range(20))))

        return asyncio.run(main())

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(lambda _: in_thread(), range(4))) == [20] * 4


ONE_SHOT = """
import asyncio, sys
from paysera_scanpay import AsyncClient

async def main() -> None:
    client = AsyncClient(sys.argv[1], sys.argv[2], base_url=sys.argv[3])
    mode = sys.argv[4]
    if mode == "await":
        await client.server_time()
    elif mode == "many":
        await asyncio.gather(*(client.server_time() for _ in range(20)))
    else:  # leave requests in flight as the loop and the interpreter shut down
        for _ in range(5):
            asyncio.ensure_future(client.list_spots())
        await asyncio.sleep(0)

asyncio.run(main())
"""


@pytest.mark.event_loop
def test_one_shot_scripts_exit_cleanly(sandbox: Sandbox, tmp_path: os.PathLike[str]) -> None:
    script = os.path.join(str(tmp_path), "one_shot.py")
    with open(script, "w") as f:
        f.write(SCRIPT_PRELUDE + textwrap.dedent(ONE_SHOT))
    modes = ["await", "many", "in_flight"] * 10  # 30 runs

    def run(mode: str) -> subprocess.CompletedProcess[str]:
        args = [sys.executable, script, sandbox.client_id, sandbox.mac_key, sandbox.base_url, mode]
        return subprocess.run(args, capture_output=True, text=True, timeout=60)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, modes))
    failures = [
        (m, r.returncode, r.stderr[-500:]) for m, r in zip(modes, results) if r.returncode or r.stderr
    ]
    assert failures == []
