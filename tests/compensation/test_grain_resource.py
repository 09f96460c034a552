"""Grain and resource compensation models (configurable, not official rates): hand cases."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regcoord.compensation import ResourceFlow, grain_outflow_compensation, resource_price_gap
from regcoord.errors import DataError


def test_grain_by_hand():
    # exporters A 100 t, B 50 t at 30 yuan/t -> 3000 + 1500 = 4500 paid by C (90 t) and D (60 t)
    r = grain_outflow_compensation({"A": 100, "B": 50, "C": -90, "D": -60}, rate_per_tonne=30)
    assert r.total == Decimal("4500.00")
    assert r.net == (Decimal("3000.00"), Decimal("1500.00"), Decimal("-2700.00"), Decimal("-1800.00"))
    assert "not an official rate" in r.note
    with pytest.raises(DataError, match="no net importer"):
        grain_outflow_compensation({"A": 1, "B": 0}, rate_per_tonne=1)


@given(
    st.lists(st.integers(min_value=-(10**6), max_value=10**6), min_size=2, max_size=20), st.integers(0, 10**4)
)
def test_grain_balances(flows, rate_cents):
    rate = Decimal(rate_cents) / 100
    regions = {f"r{i}": f for i, f in enumerate(flows)}
    out_t = sum(f for f in flows if f > 0)
    in_t = -sum(f for f in flows if f < 0)
    if out_t > 0 and in_t == 0:
        with pytest.raises(DataError, match="no net importer"):
            grain_outflow_compensation(regions, rate_per_tonne=rate)
        return
    r = grain_outflow_compensation(regions, rate_per_tonne=rate)
    assert sum(r.net) == 0
    # the model by hand: exporters receive rate * q, importers pay the total in proportion to
    # their inflow; each to within one fen of its exact share, with the right sign
    total = (rate * out_t).quantize(Decimal("0.01"))
    assert r.total == total
    for f, net in zip(flows, r.net, strict=True):
        exact = rate * f if f > 0 else (total * f / in_t if f < 0 else Decimal(0))
        assert abs(net - exact) < Decimal("0.01")
        assert (net >= 0) if f > 0 else (net <= 0)


def test_resource_gap_by_hand():
    flows = [
        ResourceFlow("Shanxi", "Zhejiang", 1000, 300, 200, 80, 50, "coal"),  # 330 - 300 = 30 per t
        ResourceFlow("Shanxi", "Jiangsu", 10, 400, 200, 80, 50, "coal"),  # price covers cost
    ]
    r = resource_price_gap(flows, period="2024")
    assert [p.amount for p in r.payments] == [Decimal("30000.00"), Decimal("0.00")]
    assert (r.payments[0].payer, r.payments[0].payee) == ("Zhejiang", "Shanxi")
    assert r.total == Decimal("30000.00")
    with pytest.raises(DataError, match=r"price.*negative"):
        resource_price_gap([ResourceFlow("a", "b", 1, -1, 0, 0, 0)])
