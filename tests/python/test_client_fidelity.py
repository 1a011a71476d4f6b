"""Client-side Paysera fidelity (issue 11): named hosts, and the Python papercuts."""

from __future__ import annotations

import paysera_scanpay
from paysera_scanpay import Client


def test_named_base_urls_come_from_the_core() -> None:
    from paysera_scanpay import _native

    assert paysera_scanpay.PRODUCTION_BASE_URL == "https://wallet.paysera.com"
    assert paysera_scanpay.SANDBOX_BASE_URL == "https://wallet-sandbox.paysera.com"
    assert paysera_scanpay.DEFAULT_BASE_URL == paysera_scanpay.PRODUCTION_BASE_URL
    assert paysera_scanpay.SANDBOX_BASE_URL == _native.SANDBOX_BASE_URL


def test_client_built_with_a_named_host_reports_it() -> None:
    with Client("id", "key", base_url=paysera_scanpay.SANDBOX_BASE_URL) as sandbox:
        assert sandbox.base_url == paysera_scanpay.SANDBOX_BASE_URL
    with Client("id", "key") as production:
        assert production.base_url == paysera_scanpay.PRODUCTION_BASE_URL
