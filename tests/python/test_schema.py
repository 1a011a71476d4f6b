"""The package's models against the core's wire contract (``_native.schema()``, committed as
``schema/paysera-scanpay.schema.json``): every model's field table (wire names, optionality,
types) and every enum's values must match, so a field added, renamed or made optional in the
core fails here until ``models.py``/``cashier.py`` follow."""

from __future__ import annotations

import json
import typing
from typing import Any, Dict, List, Tuple, Union

import paysera_scanpay
import pytest
from conftest import ROOT
from paysera_scanpay import _native, cashier, client, models, qr
from paysera_scanpay.models import Field, Model, WireEnum

SCHEMA: Dict[str, Any] = _native.schema()

#: Schema type -> the Python class that reads it.
PY_TYPES: Dict[str, type] = {
    **{name: getattr(models, name) for name in SCHEMA["types"] if hasattr(models, name)},
    "Event": cashier.Event,
    "TickReport": cashier.TickReport,
    "CashierRecord": cashier.CashierRecord,
    "UndeliveredEvent": cashier.UndeliveredEvent,
    "CashierStats": cashier.CashierStats,
}
#: Schema types with no class in Python, and why.
NOT_IN_PYTHON = {
    "TransactionRequest": "built from create_transaction()'s keyword arguments",
}
#: Schema enum -> the Python enum.
PY_ENUMS: Dict[str, type] = {
    **{name: getattr(models, name) for name in SCHEMA["enums"] if hasattr(models, name)},
    "EventKind": cashier.EventKind,
}
#: Enums Python gives as plain strings (checked by value where they appear).
PLAIN_STRING_ENUMS = {"Stage", "Outcome", "QrKind", "Role"}


def describe_schema(ty: Dict[str, Any]) -> Any:
    """A comparable shape of a schema type."""
    kind = ty["kind"]
    if kind == "array":
        return ("array", describe_schema(ty["items"]))
    if kind in ("ref", "enum"):
        if ty["name"] in PLAIN_STRING_ENUMS:
            return "string"
        return (kind, ty["name"])
    return kind


def describe_python(hint: Any) -> Any:
    """The same shape of a Python annotation (``Optional`` removed)."""
    if hint is Any:
        return "any"
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Union:
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return describe_python(rest[0])
        return "union"
    if origin in (list, List):
        return ("array", describe_python(args[0]))
    if origin in (dict, Dict):
        return "map"
    simple = {int: "integer", float: "number", str: "string", bool: "boolean"}
    if hint in simple:
        return simple[hint]
    if isinstance(hint, type) and issubclass(hint, WireEnum):
        return ("enum", hint.__name__)
    if isinstance(hint, type) and issubclass(hint, Model):
        return ("ref", hint._kind)
    raise AssertionError(f"unexpected annotation {hint!r}")


def is_optional(hint: Any) -> bool:
    return hint is Any or type(None) in typing.get_args(hint)


def python_fields(cls: type) -> List[Tuple[str, Any]]:
    """``(wire name, annotation inside Field[...])`` of each field, in declaration order."""
    hints = typing.get_type_hints(cls)
    out = []
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, Field):
                out.append((value.wire, typing.get_args(hints[name])[0]))
    return out


def test_every_schema_type_has_a_python_class_or_a_reason() -> None:
    for name in SCHEMA["types"]:
        assert name in PY_TYPES or name in NOT_IN_PYTHON, f"no Python model for {name}"
    for name, cls in PY_TYPES.items():
        assert cls._kind == name or name == "CashierRecord", (name, cls._kind)


@pytest.mark.parametrize("name", sorted(PY_TYPES))
def test_field_table_matches_the_schema(name: str) -> None:
    spec = SCHEMA["types"][name]
    fields = python_fields(PY_TYPES[name])
    assert [wire for wire, _ in fields] == [f["name"] for f in spec["fields"]], (
        f"{name}: the Python field table (models.py/cashier.py) differs from the core's schema"
    )
    for (wire, hint), field in zip(fields, spec["fields"]):
        optional = field["presence"] != "required"
        assert is_optional(hint) == optional, f"{name}.{wire}: core says {field['presence']}, Python {hint}"
        expected = describe_schema(field["type"])
        if expected != "any":
            assert describe_python(hint) == expected, f"{name}.{wire}: type {hint} is not {field['type']}"


def test_every_schema_enum_has_a_python_enum_or_is_a_plain_string() -> None:
    assert set(SCHEMA["enums"]) == set(PY_ENUMS) | PLAIN_STRING_ENUMS


@pytest.mark.parametrize("name", sorted(PY_ENUMS))
def test_enum_values_match_the_schema(name: str) -> None:
    enum = PY_ENUMS[name]
    assert [m.value for m in enum] == SCHEMA["enums"][name]["values"], (
        f"{name}: Python members differ from the core's values"
    )
    assert SCHEMA["enums"][name]["open"] == (name != "EventKind")


def test_qr_kinds_match_the_schema() -> None:
    kinds = [cls.kind for cls in (qr.TransactionCode, qr.SpotCode, qr.WalletCode, qr.AppLinkCode)]
    assert kinds == SCHEMA["enums"]["QrKind"]["values"]


def test_defaults_are_the_core_constants() -> None:
    constants = SCHEMA["constants"]
    for name, value in constants.items():
        assert getattr(_native, name) == value, name
    for name in ("DEFAULT_TIMEOUT", "DEFAULT_CONNECT_TIMEOUT", "DEFAULT_RETRIES", "DEFAULT_DEADLINE"):
        assert getattr(client, name) == constants[name] == getattr(paysera_scanpay, name)
    for name in ("MIN_PAGE_SIZE", "MAX_PAGE_SIZE", "DEFAULT_PAGE_SIZE"):
        assert getattr(paysera_scanpay, name) == constants[name]
    c = client.Client("id", "key")
    try:
        assert (c.timeout, c.retries, c.deadline) == (
            constants["DEFAULT_TIMEOUT"],
            constants["DEFAULT_RETRIES"],
            constants["DEFAULT_DEADLINE"],
        )
    finally:
        c.close()


def test_committed_schema_is_the_native_export() -> None:
    committed = json.loads((ROOT / "schema" / "paysera-scanpay.schema.json").read_text())
    assert committed == SCHEMA, "regenerate: cargo run -q -p paysera-scanpay --example export-schema"
