"""Core log records reach logging.getLogger("paysera_scanpay"), with no secret in them."""

from __future__ import annotations

import logging

import pytest
from paysera_scanpay import AuthenticationError, Client
from paysera_scanpay.testing import Sandbox

SECRET = "s3cr3t-MAC-key-for-logging"
WRONG = "wr0ng-MAC-key-for-logging"


def test_core_events_are_logged_without_secrets(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="paysera_scanpay")
    with Sandbox("shop-1", SECRET) as sandbox:
        sandbox.inject_fault("error", status=503, path="/spots")  # retried, with a warning
        with sandbox.client() as client:
            client.list_spots()
            client.create_transaction([{"description": "x", "price": 1, "currency": "EUR"}])
        with Client("shop-1", WRONG, base_url=sandbox.base_url) as wrong, pytest.raises(AuthenticationError):
            wrong.list_spots()
    records = [r for r in caplog.records if r.name.startswith("paysera_scanpay")]
    messages = [r.getMessage() for r in records]
    assert any(r.levelno == logging.WARNING and "retry 1/2" in r.getMessage() for r in records), messages
    assert any(
        r.levelno == logging.DEBUG and "-> POST /rest/v1/transaction" in m for r, m in zip(records, messages)
    )
    assert any(r.name == "paysera_scanpay.sandbox" for r in records)
    for text in messages:
        assert SECRET not in text and WRONG not in text
        assert "MAC id=" not in text and "mac=" not in text and "Authorization" not in text


def test_level_follows_the_python_logger(
    sandbox: Sandbox, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="paysera_scanpay")
    client.list_spots()
    assert [r for r in caplog.records if r.name.startswith("paysera_scanpay")] == []
    caplog.set_level(logging.DEBUG, logger="paysera_scanpay")
    client.list_spots()
    assert any("-> GET /rest/v1/spots" in r.getMessage() for r in caplog.records)
