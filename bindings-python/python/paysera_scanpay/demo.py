"""The Scan and Pay flow, narrated: a location with three tables, customers scan, the merchant
runs the eight steps with ``Client`` against an in-process sandbox."""

from __future__ import annotations

from typing import Callable, Dict

from . import qr
from .models import Payment, Transaction
from .testing import Sandbox

BILLS = {"table1": 1299, "table2": 2450, "table3": 875}


def _amount(tx: Transaction) -> str:
    return ", ".join(f"{p.price_decimal} {p.currency}" for p in tx.payments or [])


def run(say: Callable[[str], None] = print) -> int:
    with Sandbox() as sandbox:
        sandbox.create_location(1, title="Bistro Gedimino", address="Gedimino pr. 1, Vilnius")
        for table in BILLS:
            sandbox.create_spot(1, table)
        say(f"sandbox at {sandbox.base_url}; location 1 with {len(BILLS)} tables")

        for table in BILLS:
            code = qr.spot_code(1, table)
            sandbox.scan(code)
            say(f"1. a customer scans {code}")

        spot_of: Dict[str, int] = {}
        with sandbox.client() as client:
            waiting = client.list_spots(status="waiting")
            say(f"2. GET /rest/v1/spots?status=waiting -> {len(waiting)} waiting")
            for spot in waiting:
                bill = Payment(
                    description=f"Bistro Gedimino, {spot.identifier}",
                    price=BILLS[spot.identifier or ""],
                    currency="EUR",
                    parameters={"orderid": 1000 + spot.id},
                )
                tx = client.create_transaction([bill])
                say(f"3. POST /rest/v1/transaction -> {tx.transaction_key} {tx.status}, {_amount(tx)}")
                order = client.create_spot_order(spot.id, tx.transaction_key)
                say(f"4. POST /rest/v1/spot/{spot.id}/order -> order {order.id} {order.status}")
                spot_of[tx.transaction_key] = spot.id

            for key in spot_of:
                tx = sandbox.confirm(key)
                say(f"5. the customer at spot {spot_of[key]} confirms {key} in the app -> {tx.status}")

            reserved = client.list_transactions(status="reserved")
            say(f"6. GET /rest/v1/transactions?status=reserved -> {len(reserved)} reserved")
            for tx in reserved:
                done = client.confirm_transaction(tx.transaction_key)
                path = f"/rest/v1/transaction/{done.transaction_key}/confirm"
                say(f"7. PUT {path} -> {done.status}, {_amount(done)}")
                spot = client.close_spot(spot_of[tx.transaction_key])
                say(f"8. PUT /rest/v1/spot/{spot.id}/close -> {spot.status}")

        spots = sandbox.spots()
        transactions = sandbox.transactions()
        ok = all(s.status == "closed" for s in spots) and all(t.status == "confirmed" for t in transactions)
        say(
            f"done: {sum(s.status == 'closed' for s in spots)}/{len(spots)} spots closed, "
            f"{sum(t.status == 'confirmed' for t in transactions)}/{len(transactions)} transactions confirmed"
        )
        return 0 if ok else 1
