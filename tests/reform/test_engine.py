"""The reform engine: references, properties, errors, trace, sweeps and the frontier."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcoord.errors import DataError
from regcoord.reform import (
    ReformData,
    RuleSystem,
    get_scheme,
    grid_values,
    pareto_frontier,
    parse_grid,
    parse_reform,
    random_values,
    register_formula,
    run_reform,
    sweep,
)
from regcoord.rules import available_rule_sets, load_rule_set
from regcoord.transfers import china_balanced_transfer, germany_equalization

DATE = "2026-06-30"


def _china(n: int = 6, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pop = rng.integers(50, 5000, n)
    rev = rng.integers(1_000, 90_000, n)
    exp = rev + rng.integers(-20_000, 60_000, n)
    return pd.DataFrame(
        {
            "region": [f"R{i}" for i in range(n)],
            "population": pop,
            "standard_expenditure": np.maximum(exp, 1_000),
            "standard_revenue": rev,
            "coefficient": np.round(rng.uniform(0.2, 0.9, n), 4),
        }
    )


def _reform(flat: dict[str, Any]) -> Any:
    return parse_reform(flat)


def test_baseline_matches_the_transfers_package() -> None:
    # independent reference: regcoord.transfers.china_balanced_transfer on the same input
    df = _china(12, seed=3)
    run = run_reform(df, _reform({"china_balanced_transfer.coefficient": {"2026-01-01": 0.5}}), date=DATE)
    ref = china_balanced_transfer(
        list(df["region"]),
        list(df["standard_expenditure"]),
        list(df["standard_revenue"]),
        load_rule_set("china_balanced_transfer").at(DATE),
        coefficients=[str(c) for c in df["coefficient"]],
    )
    assert run["china"].baseline == ref.amounts
    ref2 = china_balanced_transfer(
        list(df["region"]),
        list(df["standard_expenditure"]),
        list(df["standard_revenue"]),
        load_rule_set("china_balanced_transfer").at(DATE),
        coefficients="0.5",
    )
    assert run["china"].reform == ref2.amounts


def test_germany_matches_the_transfers_package_within_a_fen() -> None:
    regions, pop, cap = ["A", "B", "C", "D"], [3, 1, 2, 5], [310, 40, 170, 260]
    df = pd.DataFrame({"region": regions, "population": pop, "capacity": cap})
    run = run_reform(df, _reform({"germany_fag.vat_adjustment_rate": {"2026-01-01": 0.5}}), date=DATE)
    vat, supp = germany_equalization(regions, pop, cap, load_rule_set("germany_fag").at(DATE))
    for got, a, b in zip(run["germany"].baseline, vat.amounts, supp.amounts, strict=True):
        # the transfers package apportions the horizontal part to sum to zero; we round each region
        assert abs(got - (a + b)) <= Decimal("0.01")


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["0.2", "0.5", "0.64", "0.9", "1"]))
def test_halving_a_uniform_coefficient_halves_every_gap_funded_transfer(seed: int, c: str) -> None:
    df = _china(8, seed)
    half = str(Decimal(c) / 2)
    run = run_reform(
        df,
        _reform({"china_balanced_transfer.coefficient": {"2026-01-01": half}}),
        date=DATE,
        schemes_=["china"],
    )
    full = run_reform(
        df, _reform({"china_balanced_transfer.coefficient": {"2026-01-01": c}}), date=DATE, schemes_=["china"]
    )
    for t_half, t_full in zip(run["china"].reform, full["china"].reform, strict=True):
        # each amount is rounded once to the fen: at most one fen apart from the exact half
        assert abs(t_half - t_full / 2) <= Decimal("0.01")


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.decimals("0", "1", places=3), st.booleans())
def test_region_deltas_sum_to_the_total_delta(seed: int, c: Decimal, gap_only: bool) -> None:
    df = _china(7, seed)
    run = run_reform(
        df,
        _reform(
            {
                "china_balanced_transfer.coefficient": {"2026-01-01": str(c)},
                "china_balanced_transfer.gap_regions_only": {"2026-01-01": gap_only},
            }
        ),
        date=DATE,
    )
    d = run["china"].to_dict()
    assert sum(Decimal(r["delta"]) for r in d["regions"]) == Decimal(d["total"]["delta"])
    assert Decimal(d["total"]["reform"]) - Decimal(d["total"]["baseline"]) == Decimal(d["total"]["delta"])
    # the trace's single effects plus the interaction add up to every region's change
    moved = {r: Decimal(0) for r in df["region"]}
    for entry in d["trace"]:
        for ch in entry["changes"]:
            moved[ch["region"]] += Decimal(ch["reform"]) - Decimal(ch["baseline"])
    for r in d["regions"]:
        assert moved[r["region"]] == Decimal(r["delta"])


def test_horizontal_part_is_conserved_in_germany() -> None:
    # with the supplementary rate at 0 only the horizontal VAT part is left: it sums to zero,
    # so every reform of the surcharge rate moves money between Länder only
    df = pd.DataFrame({"region": list("ABCD"), "population": [1, 2, 3, 4], "capacity": [50, 40, 300, 100]})
    flat = {
        "germany_fag.supplementary_rate": {"2026-01-01": 0},
        "germany_fag.vat_adjustment_rate": {"2026-01-01": 0.9},
    }
    run = run_reform(df, _reform(flat), date=DATE)["germany"]
    assert abs(sum(run.reform, Decimal(0))) <= Decimal("0.02")  # one rounding per region
    # baseline budget = the federal supplementary grants of the transfers package
    _, supp = germany_equalization(
        list("ABCD"), [1, 2, 3, 4], [50, 40, 300, 100], load_rule_set("germany_fag").at(DATE)
    )
    assert abs(run.total_baseline - supp.total) <= Decimal("0.04")
    # dropping the supplementary grants: some Land loses, so not a Pareto improvement
    assert run.losers and not run.pareto_improvement


def test_disparity_by_hand() -> None:
    # two regions of equal population: x = (100 + 360, 200 + 20) per 1 = (460, 220), mu = 340
    df = pd.DataFrame(
        {
            "region": ["A", "B"],
            "population": [1, 1],
            "standard_expenditure": [500, 300],
            "standard_revenue": [100, 200],
            "coefficient": [0.9, 0.2],
        }
    )
    run = run_reform(df, _reform({"china_balanced_transfer.coefficient": {"2026-01-01": 0.2}}), date=DATE)
    d = run["china"].disparity_baseline
    a, b, mu = 460.0, 220.0, 340.0
    assert d.gini == pytest.approx(abs(a - b) / (4 * mu))  # sum_ij |xi - xj| / (2 n^2 mu)
    assert d.theil_t == pytest.approx(0.5 * (a / mu * math.log(a / mu) + b / mu * math.log(b / mu)))
    assert d.theil_l == pytest.approx(0.5 * (math.log(mu / a) + math.log(mu / b)))
    assert d.cv == pytest.approx(math.sqrt(0.5 * ((a - mu) ** 2 + (b - mu) ** 2)) / mu)
    r = run["china"].disparity_reform  # reform: (100 + 80, 200 + 20) = (180, 220)
    assert r.gini == pytest.approx(40 / (4 * 200))


def test_between_plus_within_is_the_total_by_plate() -> None:
    df = _china(6, seed=5).assign(region=["Qinghai", "Guangdong", "Beijing", "Shanghai", "Henan", "Jilin"])
    run = run_reform(df, _reform({"china_balanced_transfer.coefficient": {"2026-01-01": 0.7}}), date=DATE)
    s = run["china"]
    assert s.groups == ("west", "east", "east", "east", "central", "northeast")
    for d in (s.disparity_baseline, s.disparity_reform):
        assert d.theil_t_between + d.theil_t_within == pytest.approx(d.theil_t)
        assert d.theil_l_between + d.theil_l_within == pytest.approx(d.theil_l)


@pytest.mark.parametrize(
    ("flat", "expected"),
    [
        ({"china_balanced_transfer.coef": {"2026-01-01": 0.5}}, "no parameter or input 'coef'"),
        ({"nowhere.rate": {"2026-01-01": 0.5}}, "unknown rule set 'nowhere'"),
        ({"china_balanced_transfer.gap_regions_only": {"2019-01-01": False}}, "outside the validity"),
        ({"china_balanced_transfer.coefficient": {"2020-01-01": 0.5}}, "outside the validity"),
        ({"china_balanced_transfer.coefficient": {"2026-01-01": 1.5}}, "outside its declared range"),
        ({"germany_fag.supplementary_threshold": {"2026-01-01": -0.1}}, "outside its declared range"),
        ({"china_balanced_transfer.gap_regions_only": {"2026-01-01": 1}}, "is a flag"),
        ({"china_balanced_transfer.formula": {"2026-01-01": 1}}, "cannot be overridden"),
        ({"coefficient": {"2026-01-01": 0.5}}, "RULE_SET.PARAMETER"),
        ({"china_balanced_transfer.coefficient": {"26-1-1": 0.5}}, "is not a date"),
        ({"china_balanced_transfer.coefficient": {"2026-01-01": "lots"}}, "is not a number"),
    ],
)
def test_bad_reforms_are_clear_errors(flat: dict[str, Any], expected: str) -> None:
    with pytest.raises(DataError, match=expected) as info:
        run_reform(_china(), parse_reform(flat), date=DATE)
    assert info.value.column is not None


def test_data_errors_name_row_and_column() -> None:
    df = _china(3)
    df.loc[1, "coefficient"] = 1.2
    with pytest.raises(DataError, match=r"row 2, column 'coefficient'.*expected a value in \[0, 1\]"):
        run_reform(df, _reform({"china_balanced_transfer.coefficient": {"2026-01-01": 0.5}}), date=DATE)
    df = _china(3)
    df["standard_revenue"] = df["standard_revenue"].astype(object)
    df.loc[2, "standard_revenue"] = "n/a"
    with pytest.raises(DataError, match="row 3, column 'standard_revenue'"):
        ReformData.from_frame(df)
    with pytest.raises(DataError, match="no column"):
        run_reform(_china().drop(columns="coefficient"), _reform({}), date=DATE, schemes_=["china"])


def test_the_baseline_is_never_changed() -> None:
    base = RuleSystem.bundled(available_rule_sets())
    before = base.snapshot("germany_fag", DATE)["vat_adjustment_rate"]
    reformed = base.apply(_reform({"germany_fag.vat_adjustment_rate": {"2026-01-01": 0.9}}))
    assert reformed.snapshot("germany_fag", DATE)["vat_adjustment_rate"] == Decimal("0.9")
    assert base.snapshot("germany_fag", DATE)["vat_adjustment_rate"] == before == Decimal("0.63")
    assert load_rule_set("germany_fag").at(DATE)["vat_adjustment_rate"] == Decimal("0.63")
    # the override holds from its date on, not before
    assert reformed.snapshot("germany_fag", "2025-12-31")["vat_adjustment_rate"] == Decimal("0.63")


def test_trace_names_the_override_that_changed_each_amount() -> None:
    df = pd.DataFrame(
        {
            "region": ["A", "B"],
            "standard_expenditure": [500, 400],
            "standard_revenue": [100, 450],
            "coefficient": [0.5, 0.5],
        }
    )
    flat = {
        "china_balanced_transfer.coefficient": {"2026-01-01": 0.8},
        "china_balanced_transfer.gap_regions_only": {"2026-01-01": False},
    }
    trace = {t.name: t for t in run_reform(df, _reform(flat), date=DATE)["china"].trace}
    coef = trace["china_balanced_transfer.coefficient"]
    assert coef.kind == "input" and coef.reform_value == "0.8"
    assert coef.changes == (("A", Decimal("200.00"), Decimal("320.00")),)  # 400 x 0.5 -> 400 x 0.8
    flag = trace["china_balanced_transfer.gap_regions_only"]
    assert flag.baseline_value == "True" and flag.changes == (("B", Decimal("0.00"), Decimal("-25.00")),)
    # together: B = -50 x 0.8 = -40, not -25: the interaction is reported
    assert trace["interaction"].changes == (("B", Decimal("-25.00"), Decimal("-40.00")),)


def test_replaced_formula_is_traced() -> None:
    def capped(data: Any, params: Any) -> Any:
        gap = data["standard_expenditure"] - data["standard_revenue"]
        amount = gap[None, :] * params["coefficient"]
        return np.where(np.asarray(amount > 100, dtype=bool), amount * 0 + 100, amount)

    register_formula("capped_at_100", capped)
    reform = parse_reform({"overrides": {}, "formulas": {"china_balanced_transfer": "capped_at_100"}})
    run = run_reform(_china(4, seed=1), reform, date=DATE)["china"]
    assert all(a <= 100 for a in run.reform)
    entry = run.trace[-1]
    assert entry.kind == "formula" and entry.reform_value == "capped_at_100"
    with pytest.raises(DataError, match="no formula registered"):
        parse_reform({"formulas": {"china_balanced_transfer": "nope"}})


def test_unverified_parameter_in_the_headline() -> None:
    # germany_fag.city_state_population_weight is label P but not read by the scheme; make a
    # rule system whose supplementary rate is labelled P to check the headline says so
    import dataclasses

    base = RuleSystem.bundled(available_rule_sets())
    rs = base.rule_sets["germany_fag"]
    p = rs._params["supplementary_rate"]
    pv = dataclasses.replace(p.values[0], label="P", verified=False)
    rs2 = dataclasses.replace(
        rs, _params={**rs._params, "supplementary_rate": dataclasses.replace(p, values=(pv,))}
    )
    system = RuleSystem({**base.rule_sets, "germany_fag": rs2})
    df = pd.DataFrame({"region": ["A", "B"], "population": [1, 1], "capacity": [60, 40]})
    run = run_reform(
        df, _reform({"germany_fag.vat_adjustment_rate": {"2026-01-01": 0.7}}), date=DATE, rules=system
    )["germany"]
    assert run.headline("en").startswith(
        "Warning: computed with unverified parameter(s) germany_fag.supplementary_rate (P)"
    )
    assert run.headline("zh").startswith("注意：结果使用了未经核实的参数")
    plain = run_reform(df, _reform({"germany_fag.vat_adjustment_rate": {"2026-01-01": 0.7}}), date=DATE)
    assert not plain["germany"].headline("en").startswith("Warning")


def test_reform_round_trips_through_its_dict() -> None:
    flat = {
        "china_balanced_transfer.coefficient": {"2026-01-01": 0.8, "2027-01-01": 0.7},
        "germany_fag.vat_adjustment_rate": {"2026-01-01": 0.6},
    }
    r = parse_reform(flat)
    assert parse_reform(r.to_dict()).overrides == r.overrides


def test_sweep_agrees_with_exact_runs() -> None:
    df = _china(30, seed=9)
    names, values = random_values({"coefficient": (0.0, 1.0)}, 20, seed=4)
    res = sweep(df, get_scheme("china"), names, values, date=DATE)
    for k in (0, 7, 19):
        exact = run_reform(df, res.reform(k), date=DATE)["china"]
        assert res.budget[k] == pytest.approx(float(exact.total_reform), abs=0.01 * 30)
        assert res.disparity["theil_t"][k] == pytest.approx(exact.disparity_reform.theil_t, rel=1e-6)
        assert bool(res.pareto_improvement[k]) == exact.pareto_improvement


def test_grid_sweep_two_parameters() -> None:
    df = pd.DataFrame({"region": list("ABCD"), "population": [1, 2, 3, 4], "capacity": [50, 40, 300, 100]})
    axes = dict(parse_grid(g) for g in ["vat_adjustment_rate=0.5:0.7:0.1", "supplementary_rate=0.6:1:0.2"])
    assert axes["vat_adjustment_rate"] == (Decimal("0.5"), Decimal("0.6"), Decimal("0.7"))
    names, values = grid_values(axes)
    assert values.shape == (9, 2)
    res = sweep(df, get_scheme("germany"), names, values, date=DATE)
    frontier = set(res.frontier)
    # brute force: k is on the frontier iff no other point dominates it
    b, d = res.budget, res.disparity["theil_t"]
    for k in range(9):
        dominated = any(
            (b[j] <= b[k] and d[j] <= d[k]) and (b[j] < b[k] or d[j] < d[k]) for j in range(9) if j != k
        )
        assert (k in frontier) == (not dominated)
    with pytest.raises(DataError, match="outside its declared range"):
        sweep(df, get_scheme("germany"), ("vat_adjustment_rate",), np.array([[0.5], [1.5]]), date=DATE)
    with pytest.raises(DataError, match="does not read"):
        sweep(df, get_scheme("germany"), ("city_state_population_weight",), np.array([[1.0]]), date=DATE)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=1, max_size=30))
def test_frontier_is_the_non_dominated_set(points: list[tuple[int, int]]) -> None:
    b = np.array([p[0] for p in points], dtype=float)
    d = np.array([p[1] for p in points], dtype=float)
    front = pareto_frontier(b, d)
    expect = {
        k
        for k in range(len(points))
        if not any(
            (b[j] <= b[k] and d[j] <= d[k]) and (b[j] < b[k] or d[j] < d[k]) for j in range(len(points))
        )
    }
    # duplicates of a frontier point: exactly one of them is kept
    assert {(b[k], d[k]) for k in front} == {(b[k], d[k]) for k in expect}
    assert len(front) == len({(b[k], d[k]) for k in front})


def test_grid_and_sample_errors() -> None:
    for bad in ["coefficient", "coefficient=0:1", "coefficient=1:0:0.1", "coefficient=0:1:0", "c=a:b:c"]:
        with pytest.raises(DataError, match="--grid"):
            parse_grid(bad)
    a = random_values({"x": (0.2, 0.4)}, 50, seed=1)[1]
    assert np.array_equal(a, random_values({"x": (0.2, 0.4)}, 50, seed=1)[1])
    assert ((a >= 0.2) & (a <= 0.4)).all()
