"""Smoke flow for an installed wheel, run from outside the source tree by tests/dist/run.sh: sign a
published vector, a QR code, a client round trip against the in-process sandbox, one cashier tick.

    python smoke.py VECTORS_JSON
"""

import json
import pathlib
import sys

import paysera_scanpay
from paysera_scanpay import Cashier, MacSigner, qr
from paysera_scanpay.testing import Sandbox

here = pathlib.Path(paysera_scanpay.__file__).resolve()
assert "site-packages" in here.parts, f"imported from {here}, not from the installed wheel"

# Signing: Paysera's published vector, byte for byte.
data = json.loads(pathlib.Path(sys.argv[1]).read_text())
vector = data["vectors"][1]
signer = MacSigner(data["client_id"], data["mac_key"])
header = signer.authorization(
    vector["method"], vector["url"], vector["body"], ts=vector["ts"], nonce=vector["nonce"]
)
assert header == vector["expected_authorization"], header

# QR: build, parse back, render.
code = qr.spot_code(42, "table-7")
parsed = qr.parse(code)
assert (parsed.kind, parsed.location_id, parsed.identifier) == ("spot", 42, "table-7"), parsed
assert qr.to_svg(code).startswith("<svg") and qr.to_png(code).startswith(b"\x89PNG")

with Sandbox() as sandbox:
    client = sandbox.client()
    # A client round trip: signed requests, MAC-checked by the sandbox.
    spot = sandbox.create_spot(42, "table-7")
    assert client.get_spot(spot.id).identifier == "table-7"

    # One cashier tick prices the customer who scanned.
    events = []
    cashier = Cashier(
        client,
        lambda s: [{"description": f"Table {s.identifier}", "price": 1299, "currency": "EUR"}],
        events.append,
        poll_interval=0,
        requests_per_minute=0,
    )
    sandbox.scan(spot.id)
    report = cashier.run_once()
    assert [str(e.kind) for e in report.events] == ["order_created"], report
    [transaction] = sandbox.transactions()
    assert (transaction.status, transaction.payments[0].price) == ("new", 1299), transaction

print(f"python smoke: paysera-scanpay {paysera_scanpay.__version__} from {here.parent}: ok")
