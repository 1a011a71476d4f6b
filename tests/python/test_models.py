"""Models: wire JSON in, the same wire JSON out; attributes, equality, pickling, statuses."""

from __future__ import annotations

import copy
import pickle
from typing import Any, Dict

import pytest
from conftest import guide
from paysera_scanpay import (
    CallbackEvent,
    InvalidInputError,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    Reserve,
    Spot,
    SpotList,
    SpotStatus,
    Transaction,
    TransactionList,
    TransactionStatus,
    TransactionType,
)

GUIDE_MODELS = [
    ("spots_waiting", SpotList),
    ("spot_closed", Spot),
    ("order_response", Order),
    ("transaction_created", Transaction),
    ("transaction_confirmed", Transaction),
    ("transactions_reserved", TransactionList),
]


@pytest.mark.parametrize(("name", "cls"), GUIDE_MODELS)
def test_guide_examples_round_trip_exactly(name: str, cls: Any) -> None:
    wire = guide(name)
    model = cls.from_dict(wire)
    assert model.to_dict() == wire
    assert pickle.loads(pickle.dumps(model)) == model
    assert copy.deepcopy(model) == model
    assert cls.from_dict(model.to_dict()) == model


def test_attributes_use_paysera_names() -> None:
    tx = Transaction.from_dict(guide("transaction_created"))
    assert tx.transaction_key == "ATaNL6X6CivO2Ou0FMPt"
    assert tx.status == "new" and tx.status is TransactionStatus.NEW
    assert tx.reserve == Reserve(for_=2592000) and tx.reserve is not None and tx.reserve.for_ == 2592000
    assert tx.payments is not None
    payment = tx.payments[0]
    assert (payment.price, payment.currency, payment.price_decimal) == (1299, "EUR", "12.99")
    assert payment.parameters == {"orderid": 1234}
    assert payment.status == PaymentStatus.NEW
    assert tx.confirmed_at is None and tx.type is None  # absent stays absent
    spots = SpotList.from_dict(guide("spots_waiting"))
    assert len(spots) == len(list(spots)) >= 1
    spot = spots.spots[0]
    assert spot.status == SpotStatus.WAITING and spot.place_info is not None
    assert spot.place_info.title == "Cool caffe" and spot.place_info.location_id == 1
    assert spot.check_ins is not None and spot.check_ins[0].user_id == 99
    assert spots.metadata is None or spots.metadata.total is not None


def test_statuses_compare_to_strings_and_keep_unknown_values() -> None:
    wire: Dict[str, Any] = {"transaction_key": "k", "status": "settled_elsewhere", "type": "telepathy"}
    tx = Transaction.from_dict(wire)
    assert tx.status == "settled_elsewhere" and str(tx.status) == "settled_elsewhere"
    assert not tx.status.is_known and not tx.status.is_final
    assert tx.type == "telepathy" and isinstance(tx.type, TransactionType)
    assert tx.to_dict() == wire
    assert pickle.loads(pickle.dumps(tx.status)) == "settled_elsewhere"
    assert TransactionStatus.CONFIRMED.is_known and TransactionStatus.CONFIRMED.is_final
    assert f"{OrderStatus.RESERVED}" == "reserved" and OrderStatus("reserved") is OrderStatus.RESERVED
    assert {"waiting": 1}[SpotStatus.WAITING] == 1


def test_unknown_fields_are_kept_and_equality_is_by_value() -> None:
    wire: Dict[str, Any] = {"id": 3, "status": "open", "new_field": {"x": [1, 2]}, "orders": []}
    a, b = Spot.from_dict(wire), Spot.from_dict(dict(wire))
    assert a == b and a.to_dict() == wire
    assert a != Spot.from_dict({**wire, "status": "closed"})
    assert a != wire  # a model is not its dict
    with pytest.raises(TypeError):
        hash(a)


def test_models_are_immutable_and_to_dict_is_a_copy() -> None:
    tx = Transaction.from_dict(guide("transaction_created"))
    with pytest.raises(AttributeError):
        tx.status = TransactionStatus.CONFIRMED  # type: ignore[assignment]
    data = tx.to_dict()
    data["payments"][0]["price"] = 1
    assert tx.payments is not None and tx.payments[0].price == 1299
    params = tx.payments[0].parameters
    assert params is not None
    params["orderid"] = 0
    assert tx.to_dict()["payments"][0]["parameters"] == {"orderid": 1234}


def test_constructors_validate_through_the_core() -> None:
    payment = Payment(description="Table 4", price=1299, currency="EUR", parameters={"orderid": 1234})
    assert payment.to_dict() == {
        "price": 1299,
        "currency": "EUR",
        "description": "Table 4",
        "parameters": {"orderid": 1234},
    }
    assert "Table 4" in repr(payment) and "1299" in repr(payment)
    assert Payment(description="x", price_decimal="12.99", currency="EUR", freeze=Reserve(for_=60)).to_dict()[
        "freeze"
    ] == {"for": 60}
    with pytest.raises(InvalidInputError, match="price"):
        Payment(description="x", price="12.99", currency="EUR")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="price_decimal"):
        Payment(description="x", price_decimal="12,99", currency="EUR")
    with pytest.raises(InvalidInputError, match="transaction_key"):
        Transaction.from_dict({"status": "new"})
    with pytest.raises(InvalidInputError, match="callback_uri"):
        Transaction.from_dict({"transaction_key": "k", "status": "new", "callback_uri": True})
    assert (
        Transaction.from_dict({"transaction_key": "k", "status": "new", "callback_uri": False}).callback_uri
        is False
    )


def test_callback_event_model() -> None:
    event = CallbackEvent.from_dict(
        {"type": "reserved", "object": "transaction", "data": guide("transaction_confirmed")}
    )
    assert event.type == "reserved" and event.data is not None
    assert event.data.status == "confirmed"
    assert repr(event).startswith("CallbackEvent(type='reserved'")
