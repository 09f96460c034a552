"""Schemathesis against the trading part of the OpenAPI spec: no server error, no schema violation.

Every ``/api/trading`` operation is called with generated (valid and invalid) inputs as a
region officer, on SQLite and PostgreSQL, over a book with accounts, rights and orders.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings


def test_trading_openapi_conformance(world: Any) -> None:
    w = world
    for region in ("33", "34"):
        assert (
            w.post("admin", "/api/trading/deposits", {"holder": region, "amount_fen": 10**8}).status_code
            == 201
        )
    body = {
        "instrument": "co2e:2025",
        "method": "per_capita",
        "cap": 1000,
        "holders": ["33", "34"],
        "data": ["1", "1"],
    }
    assert w.post("admin", "/api/trading/allocations", body).status_code == 201
    order = {"holder": "34", "instrument": "co2e:2025", "side": "sell", "quantity": 5, "price_fen": 5000}
    assert w.post("off-34", "/api/trading/orders", order).status_code == 201
    schema = schemathesis.openapi.from_asgi("/openapi.json", w.app)
    headers = w.h("off-33")
    n_ops = 0
    for result in schema.get_all_operations():
        op = result.ok()
        if not op.path.startswith("/api/trading"):
            continue
        n_ops += 1

        @given(case=op.as_strategy())
        @settings(
            max_examples=10,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers)

        check()
    assert n_ops >= 17
