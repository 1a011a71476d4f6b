"""The error contract shared with the Node package (tests/data/errors.json): the same core error
becomes the same class, code and fields in both languages."""

from __future__ import annotations

import builtins
import json
import pickle
import socket
from pathlib import Path
from typing import Any, Callable, Dict, Iterator

import paysera_scanpay as ps
import pytest
from paysera_scanpay import Client, Payment, _native, errors
from paysera_scanpay.testing import Sandbox

CONTRACT: Dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "data" / "errors.json").read_text(encoding="utf-8")
)
SECRET = "s3cr3t-MAC-key-never-shown"


def _field(error: ps.PayseraError, name: str) -> Any:
    """A field under the core's name (``ErrorInfo``); durations in milliseconds."""
    if name == "retry_after_ms":
        seconds = getattr(error, "retry_after", None)
        return None if seconds is None else round(seconds * 1000)
    if name == "timeout_ms":
        seconds = getattr(error, "timeout", None)
        return None if seconds is None else round(seconds * 1000)
    return getattr(error, name, None)


def _check(error: BaseException, case: Dict[str, Any]) -> None:
    cls = getattr(ps, case["class"])
    assert type(error) is cls, (type(error), error, case)
    assert isinstance(error, ps.PayseraError)
    assert error.code == case["code"]
    if "message" in case:
        assert str(error) == case["message"]
    for name, want in case["fields"].items():
        assert _field(error, name) == want, (name, case)
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is cls and vars(again) == vars(error)
    for text in (str(error), repr(error), repr(vars(error))):
        assert SECRET not in text


def test_the_tree_matches_the_contract() -> None:
    for name, parent in CONTRACT["classes"].items():
        cls = getattr(ps, name)
        assert cls is getattr(errors, name) and name in ps.__all__
        if parent is not None:
            assert cls.__bases__[0] is getattr(ps, parent), name
    for name, builtin in CONTRACT["python_builtins"].items():
        assert issubclass(getattr(ps, name), getattr(builtins, builtin)), name
    assert set(errors._CLASSES.values()) == {getattr(ps, n) for n in CONTRACT["classes"]} - {ps.PayseraError}


def test_every_class_has_a_case() -> None:
    covered = {case["class"] for case in CONTRACT["cases"]}
    assert covered == set(CONTRACT["classes"]) - {"PayseraError"}


@pytest.mark.parametrize("case", CONTRACT["cases"], ids=lambda c: c["name"])
def test_case(case: Dict[str, Any]) -> None:
    _check(_native.error_for_test(json.dumps(case["record"])), case)


def test_a_bad_record_is_refused() -> None:
    with pytest.raises(ValueError):
        _native.error_for_test('{"variant": "nope"}')


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox("shop-1", SECRET) as s:
        yield s


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _provoke(name: str, sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.reset()
    client = sandbox.client(retries=0)
    scenarios: Dict[str, Callable[[], Any]] = {
        "wrong_mac_key": lambda: Client("shop-1", "wr0ng", base_url=sandbox.base_url, retries=0).list_spots(),
        "unknown_transaction": lambda: client.get_transaction("NoSuchKey123"),
        "confirm_unreserved": lambda: client.confirm_transaction(
            client.create_transaction([Payment(description="x", price=100, currency="EUR")]).transaction_key
        ),
        "rate_limited": lambda: (
            sandbox.inject_fault("rate_limit", retry_after=7, path="/spots"),
            client.list_spots(),
        ),
        "closed_port": lambda: Client(
            "shop-1", SECRET, base_url=f"http://127.0.0.1:{_closed_port()}", retries=0
        ).get_transaction("NoSuchKey123"),
        "invalid_qr": lambda: ps.qr.parse("EVP1"),
        "sandbox_refusal": lambda: sandbox.confirm("NoSuchKey123"),
        "stopped_sandbox": _stopped_sandbox,
        "sandbox_port_taken": lambda: Sandbox(port=int(sandbox.base_url.rsplit(":", 1)[1])),
        "store_is_a_directory": lambda: ps.Cashier(
            client, lambda spot: None, lambda event: None, store=str(tmp_path)
        ),
    }
    scenarios[name]()


def _stopped_sandbox() -> None:
    s = Sandbox()
    s.close()
    s.confirm("NoSuchKey123")


@pytest.mark.parametrize("case", CONTRACT["end_to_end"], ids=lambda c: c["provoke"])
def test_end_to_end(case: Dict[str, Any], sandbox: Sandbox, tmp_path: Path) -> None:
    with pytest.raises(ps.PayseraError) as info:
        _provoke(case["provoke"], sandbox, tmp_path)
    _check(info.value, case)
