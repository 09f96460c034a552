"""Benefit of the doubt and budget allocation: hand-solved programmes and DEA properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from regcoord.errors import DataError
from regcoord.measure.weighting import benefit_of_doubt, budget_allocation_weights


def test_bod_hand_solved():
    # unit c: max 0.5 (w1 + w2) s.t. w1 + w2 <= 1 (unit a) -> 0.5; a and b reach the frontier
    z = pd.DataFrame([[1.0, 1.0], [2.0, 0.5], [0.5, 0.5]], index=list("abc"), columns=["x", "y"])
    r = benefit_of_doubt(z)
    np.testing.assert_allclose(r.scores, [1.0, 1.0, 0.5], atol=1e-9)
    assert r.ranks.tolist() == [1, 1, 3]
    # each unit's weights are feasible: no unit scores above 1 with them
    assert (z.to_numpy() @ r.weights.T <= 1 + 1e-9).all()
    assert r.to_frame().loc["c", "score"] == pytest.approx(0.5)


def test_bod_pie_share_restriction_hand_solved():
    # z = [[1, 0.1], [0.1, 1]], shares >= 1/2: w1 = 0.1 w2, score 0.2 w2, unit 2 binds 1.01 w2 <= 1
    r = benefit_of_doubt([[1.0, 0.1], [0.1, 1.0]], min_share=0.5)
    assert r.scores[0] == pytest.approx(0.2 / 1.01, abs=1e-9)
    free = benefit_of_doubt([[1.0, 0.1], [0.1, 1.0]])
    np.testing.assert_allclose(free.scores, [1.0, 1.0], atol=1e-9)


def test_bod_one_indicator_is_the_ratio_to_the_best():
    x = np.array([[2.0], [5.0], [1.0], [4.0]])
    np.testing.assert_allclose(benefit_of_doubt(x).scores, x[:, 0] / 5.0, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(
    arrays(np.float64, (6, 3), elements=st.floats(0.05, 10.0)),
    arrays(np.float64, (3,), elements=st.floats(0.1, 100.0)),
)
def test_bod_properties(z, scale):
    r = benefit_of_doubt(z)
    assert (r.scores <= 1 + 1e-7).all() and (r.scores >= -1e-12).all()
    assert r.scores.max() == pytest.approx(1.0, abs=1e-7)
    # units invariance of DEA: rescaling an indicator changes no score
    np.testing.assert_allclose(benefit_of_doubt(z * scale).scores, r.scores, atol=1e-6)
    # a unit dominated by another scores no more than it
    for i in range(6):
        for k in range(6):
            if (z[k] >= z[i]).all():
                assert r.scores[k] >= r.scores[i] - 1e-7


def test_bod_errors():
    with pytest.raises(DataError, match="negative value"):
        benefit_of_doubt([[1.0, -1.0], [1.0, 1.0]])
    with pytest.raises(DataError, match="missing or infinite"):
        benefit_of_doubt([[1.0, np.nan], [1.0, 1.0]])
    with pytest.raises(DataError, match=r"min_share 0\.9"):
        benefit_of_doubt([[1.0, 2.0], [1.0, 1.0]], min_share=0.9)
    with pytest.raises(DataError, match="0 for every unit"):
        benefit_of_doubt([[1.0, 0.0], [1.0, 0.0]])


def test_budget_allocation_by_hand():
    b = pd.DataFrame({"growth": [50, 40, 30], "equity": [30, 40, 40], "green": [20, 20, 30]})
    w = budget_allocation_weights(b)
    np.testing.assert_allclose(w.weights, [0.4, 110 / 300, 70 / 300])
    assert w.weights.sum() == pytest.approx(1.0)
    assert w.sd[0] == pytest.approx(0.1)  # shares 0.5, 0.4, 0.3
    # budgets with another total count alike
    w2 = budget_allocation_weights(b.assign(growth=[100, 40, 30], equity=[60, 40, 40], green=[40, 20, 30]))
    np.testing.assert_allclose(w2.weights, w.weights)
    with pytest.raises(DataError, match="allocated no points"):
        budget_allocation_weights([[0, 0], [1, 1]])


def test_correlation_optimised_weights_for_uncorrelated_indicators_by_hand():
    from regcoord.measure.weighting import correlation_optimised_weights

    # two indicators with zero sample correlation and spreads a = 1, b = 3: corr(z_j, y) =
    # w_j sd_j / sd_y, equal correlations need w_j proportional to 1 / sd_j -> w = (3/4, 1/4)
    s1 = np.array([1.0, -1.0, 1.0, -1.0])
    s2 = np.array([1.0, 1.0, -1.0, -1.0])
    z = np.column_stack([5 + 1 * s1, 5 + 3 * s2])
    r = correlation_optimised_weights(z)
    np.testing.assert_allclose(r.weights, [0.75, 0.25], atol=1e-5)
    np.testing.assert_allclose(r.correlations[0], r.correlations[1], atol=1e-5)
    # a target of importances 2:1 -> w_j sd_j proportional to (2, 1): w = (6/7, 1/7)
    r2 = correlation_optimised_weights(z, target=[2, 1])
    np.testing.assert_allclose(r2.weights, [6 / 7, 1 / 7], atol=1e-5)


def test_correlation_optimised_beats_equal_weights_on_its_objective():
    from regcoord.measure.weighting import _index_correlations, correlation_optimised_weights

    rng = np.random.default_rng(4)
    base = rng.normal(size=(80, 1))
    z = np.column_stack([base[:, 0] + rng.normal(scale=s, size=80) for s in (0.3, 1.0, 2.0, 0.5)])
    r = correlation_optimised_weights(z)
    c = _index_correlations(z, np.full(4, 0.25))
    assert r.objective <= ((c / c.sum() - 0.25) ** 2).sum() + 1e-12
    assert r.weights.min() >= 0 and r.weights.sum() == pytest.approx(1.0)
    with pytest.raises(DataError, match="constant"):
        correlation_optimised_weights(np.column_stack([np.ones(5), np.arange(5.0)]))
