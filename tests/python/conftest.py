"""Shared fixtures. The sandbox comes from the package's own pytest plugin (`paysera_sandbox`),
so every test that uses it also proves the plugin is registered through its entry point.

Wake-up paths (`paysera_scanpay._wakeup`): every watch a test makes is logged. Tests that run
the package's asyncio API are marked `event_loop`; `tests/python/run.sh` runs them a second time
with PAYSERA_TEST_NO_ADD_READER=1, where every selector loop's `add_reader` and `remove_reader`
raise NotImplementedError as on Windows' default ProactorEventLoop, so the waiter-thread fallback
carries everything. Each test then checks that its watches took the path the mode demands."""

from __future__ import annotations

import asyncio
import atexit
import functools
import json
import os
import pathlib
import sys
from typing import Any, Callable, Coroutine, Dict, Iterator, List, TypeVar

import pytest
from paysera_scanpay import Client
from paysera_scanpay.testing import Sandbox

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "core" / "tests" / "data"
TESTS = pathlib.Path(__file__).resolve().parent
T = TypeVar("T")

#: Set to 1: loops without `add_reader`, as on Windows (see the module's docstring).
NO_ADD_READER = "PAYSERA_TEST_NO_ADD_READER"

#: Put first in a script run by a test, so that the script takes the same wake-up path as the
#: tests (and fails, on stderr, if it did not).
SCRIPT_PRELUDE = f"""\
import os as _os, sys as _sys
if _os.environ.get({NO_ADD_READER!r}):
    _sys.path.insert(0, {str(TESTS)!r})
    import conftest as _conftest
    _conftest.record_wakeups(check_at_exit=True)
"""


def no_add_reader() -> bool:
    return os.environ.get(NO_ADD_READER, "") not in ("", "0")


class WakeupLog:
    """What the package's watches did in this process."""

    def __init__(self) -> None:
        #: The mode of every watch made (`reader` or `thread`).
        self.modes: List[str] = []
        #: Calls to a selector loop's `add_reader` refused in NO_ADD_READER mode.
        self.refused = 0

    def problems(self, modes: List[str], refused: int) -> List[str]:
        """What is wrong with these watches, made while add_reader was refused `refused` times:
        the fast path must be taken wherever the loop allows it, and the fallback everywhere
        else."""
        readers, threads = modes.count("reader"), modes.count("thread")
        if readers and (no_add_reader() or not has_fd()):
            return [f"{readers} watch(es) used add_reader, which this run cannot have"]
        if has_fd() and threads != refused:
            return [
                f"{threads} watch(es) fell back to a waiter thread, add_reader was refused {refused} time(s)"
            ]
        return []


@functools.cache
def has_fd() -> bool:
    """Whether this build's native side has a socket for `add_reader` (unix builds without
    the `portable-wakeup` feature)."""
    from paysera_scanpay import _native

    return _native.Completions().fileno() is not None


LOG = WakeupLog()
_recording = False


def record_wakeups(check_at_exit: bool = False) -> WakeupLog:
    """Logs the path of every watch into LOG; in NO_ADD_READER mode, first makes every selector
    loop refuse `add_reader` and `remove_reader`. With `check_at_exit` (scripts), complains on
    stderr at exit if a watch of the process took the wrong path."""
    global _recording
    if _recording:
        return LOG
    _recording = True
    from asyncio import selector_events

    from paysera_scanpay import _wakeup

    if no_add_reader():

        def refuse_add(self: Any, fd: Any, *args: Any) -> Any:
            LOG.refused += 1
            raise NotImplementedError

        def refuse_remove(self: Any, fd: Any) -> Any:
            raise NotImplementedError

        selector_events.BaseSelectorEventLoop.add_reader = refuse_add  # type: ignore[method-assign]
        selector_events.BaseSelectorEventLoop.remove_reader = refuse_remove  # type: ignore[method-assign]

    watch: Callable[..., _wakeup.Watch] = _wakeup.watch

    def logged(*args: Any, **kwargs: Any) -> _wakeup.Watch:
        made = watch(*args, **kwargs)
        LOG.modes.append(made.mode)
        return made

    _wakeup.watch = logged

    if check_at_exit:

        def check() -> None:
            for problem in LOG.problems(LOG.modes, LOG.refused):
                print(f"wake-up path: {problem}", file=sys.stderr)

        atexit.register(check)
    return LOG


class NoReaderLoop(asyncio.SelectorEventLoop):
    """A selector loop whose `add_reader` and `remove_reader` raise NotImplementedError, as
    Windows' default ProactorEventLoop does; the rest works."""

    def add_reader(self, fd: Any, callback: Callable[..., object], *args: Any) -> None:
        LOG.refused += 1
        raise NotImplementedError

    def remove_reader(self, fd: Any) -> bool:
        raise NotImplementedError


def run_without_add_reader(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on a NoReaderLoop."""
    loop = NoReaderLoop()
    try:
        return loop.run_until_complete(main)
    finally:
        try:
            left = asyncio.all_tasks(loop)
            for task in left:
                task.cancel()
            if left:
                loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "event_loop: uses the package's asyncio API (run again with PAYSERA_TEST_NO_ADD_READER=1)",
    )
    record_wakeups()


@pytest.fixture(autouse=True)
def _wakeup_path(request: pytest.FixtureRequest) -> Iterator[None]:
    before, refused = len(LOG.modes), LOG.refused
    yield
    modes = LOG.modes[before:]
    if modes and request.node.get_closest_marker("event_loop") is None:
        pytest.fail("this test runs an event loop: mark it @pytest.mark.event_loop", pytrace=False)
    problems = LOG.problems(modes, LOG.refused - refused)
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # A run that was meant to prove the fallback but never used it proves nothing.
    if (
        no_add_reader()
        and session.testscollected
        and ("thread" not in LOG.modes or (has_fd() and not LOG.refused))
    ):
        print(f"\n{NO_ADD_READER}=1 but no test used the waiter-thread fallback", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def vectors() -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads((DATA / "vectors.json").read_text())
    return data


@pytest.fixture
def sandbox(paysera_sandbox: Sandbox) -> Sandbox:
    return paysera_sandbox


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[Client]:
    with sandbox.client() as c:
        yield c


def guide(name: str) -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads((DATA / "guide" / f"{name}.json").read_text())
    return data
