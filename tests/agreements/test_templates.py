"""Agreement templates: published terms kept, parameters validated, review passes where terms are complete."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regcoord.agreements import TEMPLATES, Outcome, instantiate, lint, payments_for, review
from regcoord.agreements._monitoring import KPIReport, evaluate
from regcoord.errors import DataError

WQ = dict(
    upstream="34",
    downstream="33",
    section="Jiekou",
    amount_fen=10_000_000_000,
    first_deadline="2012-12-31",
    evidence="Jiekou monitoring",
)


def test_water_quality_template_is_the_xinan_rule() -> None:
    inst = instantiate("eco_compensation_water_quality", WQ)
    assert inst.parties == ("34", "33") and review(inst) == ()
    (c,) = inst.clauses
    assert "浙江省向安徽省支付100000000元" in c.text
    from datetime import UTC, datetime

    at = datetime(2013, 3, 1, tzinfo=UTC)
    met = evaluate(c, KPIReport("1", date(2012, 1, 1), date(2012, 12, 31), Decimal("0.9"), at))
    miss = evaluate(c, KPIReport("1", date(2012, 1, 1), date(2012, 12, 31), Decimal("1.1"), at))
    assert met.outcome is Outcome.MET and miss.outcome is Outcome.NOT_MET
    # met: Zhejiang (33) pays Anhui (34); missed: Anhui pays Zhejiang, the same amount
    assert [(p.payer, p.payee, p.amount_fen) for p in payments_for(c, met, inst.parties)] == [
        ("33", "34", 10**10)
    ]
    assert [(p.payer, p.payee, p.amount_fen) for p in payments_for(c, miss, inst.parties)] == [
        ("34", "33", 10**10)
    ]


def test_tax_sharing_template_reads_the_dated_rule_set() -> None:
    inst = instantiate(
        "relocated_enterprise_tax_sharing",
        dict(origin="11", destination="13", start="2015-06-24", first_deadline="2016-12-31"),
    )
    ob = inst.clauses[0].obligation
    assert ob is not None and ob.target == Decimal("0.5") and ob.obligor == "13"  # 50:50, 财预〔2015〕92号
    assert "延长2年" in inst.clauses[0].text and "3年内" in inst.clauses[0].text
    assert [f.rule for f in review(inst)] == ["missing_breach_terms"]  # the published text has none
    with_terms = instantiate(
        "relocated_enterprise_tax_sharing",
        dict(
            origin="11",
            destination="13",
            start="2015-06-24",
            first_deadline="2016-12-31",
            damages_per_share_point_fen=100,
        ),
    )
    assert review(with_terms) == ()


def test_energy_template_has_linkage_risk_sharing_and_damages() -> None:
    inst = instantiate(
        "energy_supply_price_linkage",
        dict(
            supplier="15",
            buyer="11",
            volume="100",
            unit="GWh",
            base_price_fen=40,
            index_name="coal price index",
            band_percent="10",
            buyer_risk_share="0.6",
            first_deadline="2026-12-31",
            shortfall_damages_fen=1000,
        ),
    )
    assert review(inst) == () and lint(inst.clauses) == ()
    assert "0.6" in inst.clauses[2].text and "0.4" in inst.clauses[2].text
    terms = inst.clauses[0].breach
    assert terms is not None and terms.damages is not None and terms.damages.amount(Decimal(3)) == 3000


@pytest.mark.parametrize(
    "bad, column",
    [
        ({**WQ, "upstream": "99"}, "params.upstream"),
        ({**WQ, "amount_fen": -1}, "params.amount_fen"),
        ({**WQ, "first_deadline": "31/12/2012"}, "params.first_deadline"),
        ({**WQ, "extra": 1}, "params"),
        ({k: v for k, v in WQ.items() if k != "section"}, "params.section"),
    ],
)
def test_template_parameter_errors(bad: dict[str, object], column: str) -> None:
    with pytest.raises(DataError) as e:
        instantiate("eco_compensation_water_quality", bad)
    assert e.value.column == column
    with pytest.raises(DataError, match="unknown template"):
        instantiate("nope", {})


@given(
    st.integers(min_value=1, max_value=10**12),
    st.sampled_from(["11", "12", "13", "31", "32", "33", "34"]),
    st.sampled_from(["42", "43", "50", "51", "52", "53", "62"]),
)
def test_water_quality_payments_are_symmetric(amount: int, up: str, down: str) -> None:
    """Whatever the parties and amount, the two outcomes move the same amount in opposite directions."""
    from datetime import UTC, datetime

    inst = instantiate(
        "eco_compensation_water_quality", {**WQ, "upstream": up, "downstream": down, "amount_fen": amount}
    )
    c = inst.clauses[0]
    at = datetime(2013, 3, 1, tzinfo=UTC)
    pays = []
    for v in ("1", "1.01"):
        ev = evaluate(c, KPIReport("1", date(2012, 1, 1), date(2012, 12, 31), Decimal(v), at))
        (p,) = payments_for(c, ev, inst.parties)
        pays.append((p.payer, p.payee, p.amount_fen))
    assert pays[0] == (down, up, amount) and pays[1] == (up, down, amount)
    assert set(TEMPLATES) == {
        "eco_compensation_water_quality",
        "relocated_enterprise_tax_sharing",
        "energy_supply_price_linkage",
    }
