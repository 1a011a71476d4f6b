"""Shared fixtures. The sandbox comes from the package's own pytest plugin (`paysera_sandbox`),
so every test that uses it also proves the plugin is registered through its entry point."""

from __future__ import annotations

import json
import pathlib
from typing import Any, Dict, Iterator

import pytest
from paysera_scanpay import Client
from paysera_scanpay.testing import Sandbox

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "core" / "tests" / "data"


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
