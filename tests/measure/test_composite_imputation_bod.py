"""Composite spec steps: imputation first, benefit-of-the-doubt and budget-allocation weighting.

Hand-worked cases are written out in the tests; the pipeline is checked against direct
calls of :mod:`regcoord.measure.imputation` and :mod:`regcoord.measure.weighting`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from regcoord.data import Panel
from regcoord.errors import DataError
from regcoord.measure.composite import CompositeSpec, IndicatorSpec, complete_data, composite_index
from regcoord.measure.imputation import impute, impute_time_series
from regcoord.measure.uncertainty import (
    default_factors,
    noisy_weights_analysis,
    sensitivity_analysis,
    uncertainty_analysis,
)
from regcoord.measure.weighting import benefit_of_doubt, budget_allocation_weights

AB = (IndicatorSpec("a", target=1.0), IndicatorSpec("b", target=1.0))


# ---------------------------------------------------------------------------------------
# benefit of the doubt


def test_benefit_of_doubt_three_units_two_indicators_by_hand():
    # distance_to_target with target 1 leaves the values as they are: z = x.
    #        a     b
    #  A   1.0   1.0
    #  B   2.0   0.5
    #  C   0.5   0.25
    # Constraints for every unit's weights: w_a + w_b <= 1 (A), 2 w_a + 0.5 w_b <= 1 (B),
    # 0.5 w_a + 0.25 w_b <= 1 (C, never binding), w >= 0.  The feasible polygon has the
    # vertices (0, 0), (0.5, 0), (1/3, 2/3) [A and B binding] and (0, 1).
    # A: max w_a + w_b         -> 0.5, 1, 1          -> 1
    # B: max 2 w_a + 0.5 w_b   -> 1, 2/3 + 1/3 = 1, 0.5 -> 1
    # C: max 0.5 w_a + 0.25 w_b -> 0.25, 1/6 + 1/6 = 1/3, 0.25 -> 1/3 at (1/3, 2/3) only
    x = np.array([[1.0, 1.0], [2.0, 0.5], [0.5, 0.25]])
    spec = CompositeSpec(indicators=AB, normalization="distance_to_target", weighting="benefit_of_doubt")
    r = composite_index(x, spec, regions=["A", "B", "C"])
    np.testing.assert_allclose(r.scores[0], [1.0, 1.0, 1.0 / 3.0], atol=1e-9)
    assert r.ranks[0].tolist() == [1, 1, 3]
    assert r.unit_weights is not None and r.unit_weights.shape == (1, 3, 2)
    np.testing.assert_allclose(r.unit_weights[0, 2], [1.0 / 3.0, 2.0 / 3.0], atol=1e-9)
    # each unit's score is its own weighted sum, and its weights are feasible for all units
    np.testing.assert_allclose((r.unit_weights[0] * x).sum(axis=1), r.scores[0], atol=1e-9)
    assert (x @ r.unit_weights[0].T <= 1.0 + 1e-9).all()
    # the summary weights: mean over units of each unit's weight shares; C's are (1/3, 2/3)
    shares = r.unit_weights[0] / r.unit_weights[0].sum(axis=1, keepdims=True)
    np.testing.assert_allclose(r.weights[0], shares.mean(axis=0))
    assert r.weights[0, 0] + r.weights[0, 1] == pytest.approx(1.0)
    assert any("weights vary by unit" in line for line in r.log)
    d = r.to_dict()
    assert np.array(d["unit_weights"]).shape == (1, 3, 2)


def test_benefit_of_doubt_agrees_with_direct_call_pooled_and_by_year_with_pillars():
    rng = np.random.default_rng(4)
    x = rng.uniform(1.0, 9.0, size=(2, 6, 4))
    inds = tuple(IndicatorSpec(n, pillar=p) for n, p in zip("abcd", "ppqq", strict=True))
    spec = CompositeSpec(
        indicators=inds, weighting="benefit_of_doubt", minmax_range=(1.0, 100.0), bod_min_share=0.05
    )
    r = composite_index(x, spec, years=[2020, 2021])
    pool = r.normalized.reshape(12, 4)  # pooled: one frontier over all region-years
    ref = benefit_of_doubt(pool, min_share=0.05)
    np.testing.assert_allclose(r.scores.ravel(), ref.scores, atol=1e-9)
    np.testing.assert_allclose(r.unit_weights.reshape(12, 4), ref.weights, atol=1e-9)
    np.testing.assert_allclose(
        r.pillar_scores[..., 0].ravel(), benefit_of_doubt(pool[:, :2], min_share=0.05).scores, atol=1e-9
    )
    # pie shares: every indicator at least 5 % of each unit's score
    contrib = r.unit_weights * r.normalized
    assert (contrib >= 0.05 * r.scores[..., None] - 1e-9).all()
    by_year = composite_index(x, spec.with_choices(pooling="by_year"), years=[2020, 2021])
    for t in range(2):
        ref_t = benefit_of_doubt(by_year.normalized[t], min_share=0.05)
        np.testing.assert_allclose(by_year.scores[t], ref_t.scores, atol=1e-9)
        assert by_year.scores[t].max() == pytest.approx(1.0)


def test_benefit_of_doubt_refusals_name_the_step():
    with pytest.raises(DataError, match=r"benefit_of_doubt' with aggregation 'geometric'"):
        CompositeSpec(indicators=AB, weighting="benefit_of_doubt", aggregation="geometric")
    spec = CompositeSpec(indicators=AB, normalization="zscore", weighting="benefit_of_doubt")
    with pytest.raises(DataError, match=r"weighting benefit_of_doubt after normalization zscore: .*negative"):
        composite_index(np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]]), spec)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(2, 8), st.integers(1, 4)), elements=st.floats(0.0, 1e3)))
def test_benefit_of_doubt_scores_in_unit_interval_and_someone_scores_one(x):
    k = x.shape[1]
    spec = CompositeSpec(
        indicators=tuple(IndicatorSpec(f"x{j}") for j in range(k)),
        weighting="benefit_of_doubt",
        minmax_range=(1.0, 100.0),  # strictly positive normalized values
    )
    r = composite_index(x, spec)
    s = r.scores[0]
    assert (s > 0).all() and (s <= 1.0 + 1e-9).all()
    assert s.max() == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose((r.unit_weights[0] * r.normalized[0]).sum(axis=1), s, atol=1e-7)


# ---------------------------------------------------------------------------------------
# budget allocation


def test_budget_weighting_by_hand_and_agrees_with_direct_call():
    # expert 1: 50/30/20 of 100 -> 0.5, 0.3, 0.2; expert 2: 20/20/10 of 50 -> 0.4, 0.4, 0.2
    # weights: means 0.45, 0.35, 0.2
    d = {
        "indicators": ["a", "b", "c"],
        "weighting": "budget",
        "budget": [{"a": 50, "b": 30, "c": 20}, {"a": 20, "b": 20, "c": 10}],
    }
    spec = CompositeSpec.from_dict(d)
    x = np.array([[1.0, 10.0, 3.0], [2.0, 30.0, 1.0], [4.0, 20.0, 2.0], [3.0, 50.0, 5.0]])
    r = composite_index(x, spec)
    np.testing.assert_allclose(r.weights[0], [0.45, 0.35, 0.2])
    np.testing.assert_allclose(r.weights[0], budget_allocation_weights([[50, 30, 20], [20, 20, 10]]).weights)
    z = (x - x.min(axis=0)) / np.ptp(x, axis=0)
    np.testing.assert_allclose(r.scores[0], z @ [0.45, 0.35, 0.2])
    assert CompositeSpec.from_dict(spec.to_dict()).budget == spec.budget
    assert "budget" in [c for f in default_factors(spec) if f.name == "weighting" for c in f.choices]
    # drawn in the Monte Carlo: with weighting fixed to budget the nominal ranks are the draws
    u = uncertainty_analysis(x, spec, n_draws=20, seed=1, factors={"weighting": ["budget"]})
    np.testing.assert_array_equal(u.median_rank, r.ranks[0])


def test_budget_spec_errors_name_the_field():
    with pytest.raises(DataError, match=r"weighting 'budget' needs the experts' budgets"):
        CompositeSpec(indicators=AB, weighting="budget")
    with pytest.raises(DataError, match=r"expert #1: unknown indicator.*bb; no points for b"):
        CompositeSpec.from_dict({"indicators": ["a", "b"], "budget": [{"a": 1, "bb": 2}]})
    with pytest.raises(DataError, match=r"budget of expert #2"):
        CompositeSpec(indicators=AB, budget=((1.0, 1.0), (-1.0, 2.0)))


# ---------------------------------------------------------------------------------------
# imputation


def test_group_mean_imputation_by_hand_with_panel_groups():
    # indicator a: A 1, B missing, C 3 (group east), D 10, E 6 (group west) -> B = (1 + 3) / 2 = 2
    # indicator b: complete, 4 3 2 1 5
    rows = [("A", 1.0, 4.0), ("B", None, 3.0), ("C", 3.0, 2.0), ("D", 10.0, 1.0), ("E", 6.0, 5.0)]
    long = pd.DataFrame(
        [(r, 2020, "a", va) for r, va, _ in rows if va is not None]
        + [(r, 2020, "b", vb) for r, _, vb in rows],
        columns=["region", "year", "indicator", "value"],
    )
    attrs = pd.DataFrame(
        {"zone": ["east", "east", "east", "west", "west"]}, index=pd.Index(list("ABCDE"), name="region")
    )
    panel = Panel.from_long(long, attributes=attrs)
    spec = CompositeSpec(
        indicators=(IndicatorSpec("a"), IndicatorSpec("b")), imputation="group_mean", imputation_group="zone"
    )
    r = composite_index(panel, spec)
    assert r.regions == ("A", "B", "C", "D", "E")
    rec = r.imputed.to_dict(orient="records")
    assert rec == [
        {"region": "B", "year": 2020, "indicator": "a", "method": "group_mean by zone", "value": 2.0}
    ]
    # min-max: a in [1, 10] -> B (2 - 1) / 9 = 1/9; b in [1, 5] -> B (3 - 1) / 4 = 1/2; equal weights
    assert r.scores[0, 1] == pytest.approx((1 / 9 + 1 / 2) / 2)
    assert "impute a of B in 2020: 2 (group_mean by zone)" in r.log
    # the same through the direct call, groups given as a list, and as the groups= argument
    direct = impute(pd.DataFrame({"a": [1.0, None, 3.0, 10.0, 6.0]}), groups=list("eeeww"))
    assert direct.values["a"].tolist()[1] == 2.0
    x = np.array([[[1.0, 4.0], [np.nan, 3.0], [3.0, 2.0], [10.0, 1.0], [6.0, 5.0]]])
    r2 = composite_index(x, spec.with_choices(imputation_group=None), groups=list("eeeww"))
    np.testing.assert_allclose(r2.scores, r.scores)
    # without groups, the mean of all observed units: (1 + 3 + 10 + 6) / 4 = 5
    r3 = composite_index(x, spec.with_choices(imputation_group=None))
    assert r3.imputed["value"].tolist() == [5.0]


def test_group_imputation_errors_name_cell_and_year():
    x = np.array([[[1.0, 4.0], [np.nan, 3.0], [3.0, 2.0]]])
    spec = CompositeSpec(indicators=(IndicatorSpec("a"), IndicatorSpec("b")), imputation="group_median")
    with pytest.raises(DataError, match=r"group 'w' has no observed value") as exc:
        composite_index(x, spec, groups=["e", "w", "e"], years=[2019])
    assert exc.value.column == "a" and "in 2019" in str(exc.value)
    with pytest.raises(DataError, match=r"imputation_group 'zone' needs a Panel"):
        composite_index(x, spec.with_choices(imputation_group="zone"))
    with pytest.raises(DataError, match=r"imputation 'mice'"):
        spec.with_choices(imputation="mice")
    # without imputation a gap stays an error
    with pytest.raises(DataError, match=r"a is nan"):
        composite_index(x, spec.with_choices(imputation="none"))


def test_time_series_imputation_by_hand_and_agrees_with_direct_call():
    # region 0, indicator a: 2019 2.0, 2020 missing, 2021 6.0 -> linear 4.0, latest 2.0
    x = np.array(
        [
            [[2.0, 1.0], [5.0, 2.0], [1.0, 3.0]],
            [[np.nan, 1.5], [5.5, 2.5], [1.5, 3.5]],
            [[6.0, 2.0], [6.0, 3.0], [2.0, 4.0]],
        ]
    )
    spec = CompositeSpec(indicators=(IndicatorSpec("a"), IndicatorSpec("b")), imputation="time_series")
    r = composite_index(x, spec, years=[2019, 2020, 2021], regions=["p", "q", "r"])
    assert r.imputed.to_dict(orient="records") == [
        {"region": "p", "year": 2020, "indicator": "a", "method": "time_series_linear", "value": 4.0}
    ]
    latest = composite_index(
        x, spec.with_choices(imputation_how="latest"), years=[2019, 2020, 2021], regions=["p", "q", "r"]
    )
    assert latest.imputed["value"].tolist() == [2.0]
    # array data without year labels: the cell is reported without a year
    assert composite_index(x, spec).imputed[["region", "year"]].to_dict(orient="records") == [
        {"region": "0", "year": None}
    ]
    long = pd.DataFrame(
        {"region": ["p"] * 3, "year": [2019, 2020, 2021], "indicator": "a", "value": [2.0, np.nan, 6.0]}
    )
    assert impute_time_series(long).values["value"].tolist() == [2.0, 4.0, 6.0]
    filled = x.copy()
    filled[1, 0, 0] = 4.0
    np.testing.assert_allclose(r.scores, composite_index(filled, spec.with_choices(imputation="none")).scores)


def test_em_imputation_agrees_with_direct_call():
    rng = np.random.default_rng(8)
    x = rng.multivariate_normal([5.0, 3.0, 8.0], [[1, 0.6, 0.3], [0.6, 1, 0.2], [0.3, 0.2, 1]], size=25)
    x[[2, 7, 11], [0, 1, 2]] = np.nan
    spec = CompositeSpec(indicators=tuple(IndicatorSpec(n) for n in "abc"), imputation="em")
    cube, imputed, log = complete_data(x, spec)
    ref = impute(pd.DataFrame(x, index=[str(i) for i in range(25)], columns=list("abc")), method="em")
    np.testing.assert_allclose(cube.x[0], ref.values.to_numpy())
    assert imputed["value"].tolist() == pytest.approx(ref.imputed["value"].tolist())
    assert imputed["region"].tolist() == ["2", "7", "11"] and log[0] == "impute em: 3 cell(s) filled"
    r = composite_index(x, spec)
    np.testing.assert_allclose(r.scores, composite_index(cube.x, spec.with_choices(imputation="none")).scores)


@settings(max_examples=40, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(2, 4), st.integers(3, 7), st.integers(1, 3)),
        elements=st.floats(-1e3, 1e3),
    ),
    st.data(),
    st.sampled_from(["group_mean", "group_median", "time_series"]),
)
def test_imputation_leaves_observed_cells_unchanged(x, data, method):
    mask = data.draw(arrays(np.bool_, x.shape))
    mask[:, 0, :] = False  # every indicator observed somewhere in every year and for one region in all years
    mask[0, :, :] = False
    y = np.where(mask, np.nan, x)
    spec = CompositeSpec(
        indicators=tuple(IndicatorSpec(f"x{j}") for j in range(x.shape[2])), imputation=method
    )
    groups = ["g"] * x.shape[1] if method != "time_series" else None
    cube, imputed, _ = complete_data(y, spec, groups=groups)
    np.testing.assert_array_equal(cube.x[~mask], x[~mask])
    assert np.isfinite(cube.x).all()
    assert len(imputed) == int(mask.sum())


# ---------------------------------------------------------------------------------------
# the uncertainty analysis: imputation flows through, benefit of the doubt is refused by name


def test_uncertainty_imputes_first_and_refuses_benefit_of_doubt():
    rng = np.random.default_rng(3)
    x = rng.uniform(1.0, 10.0, size=(12, 3))
    y = x.copy()
    y[4, 1] = np.nan
    spec = CompositeSpec(indicators=tuple(IndicatorSpec(n) for n in "abc"), imputation="group_mean")
    filled = x.copy()
    filled[4, 1] = np.nanmean(y[:, 1])
    u = uncertainty_analysis(y, spec, n_draws=200, seed=5)
    ref = uncertainty_analysis(filled, spec.with_choices(imputation="none"), n_draws=200, seed=5)
    np.testing.assert_array_equal(u.median_rank, ref.median_rank)
    np.testing.assert_array_equal(u.nominal_rank, ref.nominal_rank)
    assert u.log[1] == "impute group_mean: 1 cell(s) filled"
    nw = noisy_weights_analysis(y, spec, n_draws=50, seed=5)
    np.testing.assert_array_equal(
        nw.median_rank,
        noisy_weights_analysis(filled, spec.with_choices(imputation="none"), n_draws=50, seed=5).median_rank,
    )
    bod = spec.with_choices(weighting="benefit_of_doubt")
    with pytest.raises(DataError, match=r"benefit_of_doubt.*the uncertainty analysis cannot") as e1:
        uncertainty_analysis(y, bod, n_draws=10, seed=1)
    assert e1.value.column == "weighting"
    with pytest.raises(DataError, match=r"benefit_of_doubt.*the sensitivity analysis cannot"):
        sensitivity_analysis(y, bod, n_base=4, seed=1)
    with pytest.raises(DataError, match=r"benefit_of_doubt.*noisy weights cannot perturb"):
        noisy_weights_analysis(y, bod, n_draws=10, seed=1)
    with pytest.raises(DataError, match=r"benefit_of_doubt.*draw as a weighting choice"):
        uncertainty_analysis(
            y, spec, n_draws=10, seed=1, factors={"weighting": ["equal", "benefit_of_doubt"]}
        )


def test_yaml_spec_with_the_new_steps(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(
        "imputation: group_median\nimputation_group: zone\nweighting: benefit_of_doubt\nbod_min_share: 0.1\n"
        "indicators: [a, b]\n",
        "utf-8",
    )
    spec = CompositeSpec.from_yaml(p)
    assert (spec.imputation, spec.imputation_group, spec.weighting, spec.bod_min_share) == (
        "group_median", "zone", "benefit_of_doubt", 0.1,
    )  # fmt: skip
    assert CompositeSpec.from_dict(spec.to_dict()) == spec
    p.write_text("imputation: em\nimputation_group: zone\nindicators: [a, b]\n", "utf-8")
    with pytest.raises(DataError, match=r"imputation_group 'zone' with imputation 'em'"):
        CompositeSpec.from_yaml(p)
    p.write_text("bod_min_share: 0.9\nindicators: [a, b]\n", "utf-8")
    with pytest.raises(DataError, match=r"bod_min_share 0.9"):
        CompositeSpec.from_yaml(p)
