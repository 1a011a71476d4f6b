"""Paysera fidelity through the public API: requests as Paysera's PHP library sends them pass the
sandbox, and validation follows Paysera's documentation (issue 11)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Dict, Tuple

import pytest
from paysera_scanpay import Client, InvalidInputError, InvalidParametersError, MacSigner, Payment
from paysera_scanpay.testing import Sandbox

PAYMENT = {"description": "Coffee", "price_decimal": "2.50", "currency": "EUR"}


def php_request(sandbox: Sandbox, method: str, path: str, body: str, nonce: str) -> Tuple[int, str, Any]:
    """Sends `body` byte for byte, signed with `nonce`, as the PHP library would; returns
    (status, Content-Type, decoded JSON)."""
    url = sandbox.base_url + path
    signer = MacSigner(sandbox.client_id, sandbox.mac_key)
    data = body.encode()
    request = urllib.request.Request(url, data=data if data else None, method=method)
    request.add_header("Authorization", signer.authorization(method, url, data, nonce=nonce))
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], json.loads(error.read())


def test_nonces_with_commas_equals_and_spaces_pass(sandbox: Sandbox) -> None:
    for nonce in ["a,b", "k=v", "with space", " ,=!~#$%&'()*+-./:;<>?@[]^_`{|}"]:
        status, content_type, body = php_request(sandbox, "GET", "/rest/v1/spots", "", nonce)
        assert (status, content_type) == (200, "application/json"), (nonce, body)


def test_php_empty_array_confirm_body(sandbox: Sandbox, client: Client) -> None:
    tx = client.create_transaction([PAYMENT])
    sandbox.confirm(tx.transaction_key)
    path = f"/rest/v1/transaction/{tx.transaction_key}/confirm"
    status, content_type, body = php_request(sandbox, "PUT", path, "[]", "php-confirm")
    assert (status, content_type) == (200, "application/json"), body
    assert body["status"] == "confirmed"


def test_price_and_price_decimal_are_refused_before_sending(sandbox: Sandbox, client: Client) -> None:
    before = len(sandbox.requests())
    both = Payment(description="x", price=250, price_decimal="2.50", currency="EUR")
    with pytest.raises(InvalidInputError, match="price and price_decimal"):
        client.create_transaction([both])
    assert len(sandbox.requests()) == before


def test_sandbox_rejects_both_prices_with_paysera_envelope(sandbox: Sandbox) -> None:
    body = json.dumps({"payments": [dict(PAYMENT, price=250)]})
    status, content_type, answer = php_request(sandbox, "POST", "/rest/v1/transaction", body, "both")
    assert (status, content_type) == (400, "application/json")
    assert answer["error"] == "invalid_parameters"
    assert "payments[0].price_decimal" in answer["error_description"]
    assert "price and price_decimal" in answer["error_properties"]["payments[0].price_decimal"]


def test_sandbox_rejects_currencies_outside_iso_4217(client: Client) -> None:
    with pytest.raises(InvalidParametersError) as caught:
        client.create_transaction([dict(PAYMENT, currency="XYZ")])
    error = caught.value
    assert (error.status, error.code) == (400, "invalid_parameters")
    assert error.description and "payments[0].currency" in error.description
    assert error.properties is not None and "ISO 4217" in error.properties["payments[0].currency"]
    assert client.create_transaction([dict(PAYMENT, price_decimal="2.500", currency="KWD")]).status == "new"


def test_freeze_for_is_hours(client: Client) -> None:
    tx = client.create_transaction([dict(PAYMENT, freeze_for=2)])
    payment: Dict[str, Any] = tx.to_dict()["payments"][0]
    assert payment["freeze_for"] == 2
    assert payment["freeze"] == {"for": 7200}
    with pytest.raises(InvalidInputError, match="freeze"):
        client.create_transaction([dict(PAYMENT, freeze_for=1, freeze={"for": 3600})])


def test_a_payment_of_items_alone_costs_their_total(client: Client) -> None:
    from paysera_scanpay import Item

    coffee = Item("Coffee", price_decimal="3.50", currency="EUR", quantity=2, total_price_decimal="7.00")
    cake = Item("Cake", price=450, currency="EUR", image_uri="https://shop.example/cake.png")
    tx = client.create_transaction([Payment(items=[coffee, cake])])
    payment = tx.payments[0]
    assert (payment.price, payment.price_decimal, payment.currency) == (1150, "11.50", "EUR")
    items = payment.items
    assert isinstance(items[1], Item)
    assert (items[1].title, items[1].quantity, items[1].total_price) == ("Cake", 1, 450)
    assert items[1].image_uri == "https://shop.example/cake.png"


def test_inconsistent_item_totals_are_refused_with_their_field_path(client: Client) -> None:
    items = [
        {"title": "A", "price": 100, "currency": "EUR"},
        {"title": "B", "price": 100, "currency": "EUR", "quantity": 3, "total_price": 200},
    ]
    with pytest.raises(InvalidInputError, match=r"payments\[0\]\.items\[1\]\.total_price"):
        client.create_transaction([{"items": items}])
    with pytest.raises(InvalidInputError, match=r"payments\[0\]\.price_decimal"):
        client.create_transaction([{**PAYMENT, "items": [{"title": "A", "price": 100, "quantity": 2}]}])


def test_sandbox_checks_item_totals_with_paysera_envelope(sandbox: Sandbox) -> None:
    items = [{"title": "B", "price": 100, "currency": "EUR", "quantity": 3, "total_price": 200}]
    body = json.dumps({"payments": [{"items": items}]})
    status, content_type, answer = php_request(sandbox, "POST", "/rest/v1/transaction", body, "items")
    assert (status, content_type, answer["error"]) == (400, "application/json", "invalid_parameters")
    assert "payments[0].items[0].total_price" in answer["error_description"]
    assert "300" in answer["error_properties"]["payments[0].items[0].total_price"]
