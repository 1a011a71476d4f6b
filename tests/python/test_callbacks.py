"""Callback verification over the raw bytes, with the sandbox's real, signed callbacks."""

from __future__ import annotations

import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Iterator, List

import pytest
from paysera_scanpay import (
    CallbackEvent,
    CallbackVerifier,
    Client,
    InvalidInputError,
    parse_callback_form,
    verify_callback,
)
from paysera_scanpay.testing import Sandbox


@pytest.fixture
def receiver() -> Iterator[tuple[str, List[bytes]]]:
    """A local HTTP endpoint collecting raw callback bodies."""
    bodies: List[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/paysera/callback", bodies
    server.shutdown()
    server.server_close()


def _wait_for(bodies: List[bytes]) -> bytes:
    deadline = time.monotonic() + 10
    while not bodies and time.monotonic() < deadline:
        time.sleep(0.02)
    assert bodies, "no callback arrived"
    return bodies[0]


def test_a_delivered_callback_verifies(
    sandbox: Sandbox, client: Client, receiver: tuple[str, List[bytes]]
) -> None:
    url, bodies = receiver
    tx = client.create_transaction(
        [{"description": "Table 1", "price": 1299, "currency": "EUR"}], callback_uri=url
    )
    sandbox.confirm(tx.transaction_key)
    body = _wait_for(bodies)

    event, sign = parse_callback_form(body)
    pem = client.get_public_key()
    assert pem == sandbox.public_key_pem
    assert verify_callback(event, sign, pem) is True
    assert verify_callback(event.decode(), sign, pem) is True  # str works too
    assert client.verify_callback(event, sign) is True
    # What a Django view gets: request.POST["event"] is the form-decoded text.
    form = urllib.parse.parse_qs(body.decode(), keep_blank_values=True)
    assert verify_callback(form["event"][0], form["sign"][0], pem)

    decoded = CallbackVerifier(pem).verify_event(event, sign)
    assert isinstance(decoded, CallbackEvent)
    assert decoded.type == "reserved" and decoded.object == "transaction"
    assert decoded.data is not None and decoded.data.transaction_key == tx.transaction_key
    assert decoded.data.status == "reserved"
    assert CallbackVerifier.parse_event(event) == decoded


def test_altered_or_foreign_signatures_are_invalid(sandbox: Sandbox, client: Client) -> None:
    tx = client.create_transaction(
        [{"description": "x", "price": 100, "currency": "EUR"}], callback_uri="http://127.0.0.1:9/cb"
    )
    sandbox.reject(tx.transaction_key)
    deadline = time.monotonic() + 10
    while not sandbox.callbacks() and time.monotonic() < deadline:
        time.sleep(0.02)
    record = sandbox.callbacks()[0]
    assert record["event_type"] == "rejected" and record["transaction_key"] == tx.transaction_key
    pem = sandbox.public_key_pem
    assert verify_callback(record["event"], record["sign"], pem)
    # Re-serialized JSON (other whitespace) no longer matches: verify the raw text.
    reserialized = record["event"].replace('":', '": ')
    assert not verify_callback(reserialized, record["sign"], pem)
    assert not verify_callback(record["event"], "not base64!", pem)
    assert not verify_callback(record["event"], record["sign"][:-8] + "AAAAAAA=", pem)
    verifier = CallbackVerifier(pem)
    assert not verifier.verify(record["event"] + " ", record["sign"])
    with pytest.raises(InvalidInputError, match="signature does not match"):
        verifier.verify_event(reserialized, record["sign"])


def test_unusable_keys_and_forms_raise() -> None:
    with pytest.raises(InvalidInputError, match="PEM"):
        verify_callback(b"{}", "c2ln", "not a key")
    with pytest.raises(ValueError):
        CallbackVerifier("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")
    with pytest.raises(InvalidInputError, match="no sign field"):
        parse_callback_form(b"event=%7B%7D")
    assert parse_callback_form("event=%7B%22a%22%3A+1%7D&sign=c2ln") == (b'{"a": 1}', "c2ln")
