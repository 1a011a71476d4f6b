"""What a user meets first: a cheap import, the demo, the pytest plugin, the type markers."""

from __future__ import annotations

import importlib.metadata
import pathlib
import subprocess
import sys

import paysera_scanpay

CHECK_IMPORT = """
import os, sys, threading
import paysera_scanpay
assert "paysera_scanpay._native" not in sys.modules
assert "asyncio" not in sys.modules
from paysera_scanpay import AsyncClient, Client, MacSigner, Payment, qr
from paysera_scanpay import _native
client = Client("id", "key")
aclient = AsyncClient("id", "key")
MacSigner("id", "key").authorization("GET", "https://wallet.paysera.com/")
# No runtime, worker thread or connection exists until the first request.
assert _native.runtime_generation() == 0
assert threading.active_count() == 1
if os.path.isdir("/proc/self/task"):  # Linux: native threads too
    assert len(os.listdir("/proc/self/task")) == 1, os.listdir("/proc/self/task")
print("ok")
"""


def test_import_creates_nothing() -> None:
    result = subprocess.run([sys.executable, "-c", CHECK_IMPORT], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_demo_runs_the_whole_flow() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "paysera_scanpay", "demo"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for step in range(1, 9):
        assert any(line.startswith(f"{step}. ") for line in lines), (step, result.stdout)
    assert "PUT /rest/v1/spot/" in result.stdout and "12.99 EUR" in result.stdout
    assert lines[-1] == "done: 3/3 spots closed, 3/3 transactions confirmed"


def test_pytest_plugin_and_type_markers_are_installed() -> None:
    plugins = importlib.metadata.entry_points(group="pytest11")
    assert "paysera_scanpay.pytest_plugin" in [ep.value for ep in plugins]
    package = pathlib.Path(paysera_scanpay.__file__).parent
    for name in ("py.typed", "__init__.pyi", "_native.pyi"):
        assert (package / name).is_file(), name
    assert importlib.metadata.version("paysera-scanpay") == paysera_scanpay.__version__


def test_public_names_resolve() -> None:
    for name in paysera_scanpay.__all__:
        assert getattr(paysera_scanpay, name) is not None, name
    assert set(paysera_scanpay.__all__) <= set(dir(paysera_scanpay))
