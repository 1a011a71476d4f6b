"""pytest fixtures, registered through the ``pytest11`` entry point when the package is
installed: ``paysera_sandbox`` is a running in-process sandbox, reset before each test."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import pytest

if TYPE_CHECKING:
    from .testing import Sandbox


@pytest.fixture(scope="session")
def paysera_sandbox_session() -> Iterator[Sandbox]:
    """One sandbox for the whole test session (what ``paysera_sandbox`` resets)."""
    from .testing import Sandbox

    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def paysera_sandbox(paysera_sandbox_session: Sandbox) -> Sandbox:
    """A clean in-process Paysera sandbox: ``.client()``, ``.base_url``, ``.create_spot()``,
    ``.scan()``, ``.confirm()``, ``.reject()``, ``.inject_fault()``, ``.requests()``."""
    paysera_sandbox_session.reset()
    return paysera_sandbox_session
