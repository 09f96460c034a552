"""Composite pipeline: per-indicator normalization overrides and the outlier-treatment step."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata

from regcoord.errors import DataError
from regcoord.measure.composite import CompositeSpec, IndicatorSpec, composite_index
from regcoord.measure.treatment import treat_outliers
from regcoord.measure.uncertainty import uncertainty_analysis

X = np.array([[1.0, 10.0, 3.0], [2.0, 30.0, 1.0], [4.0, 20.0, 2.0], [3.0, 50.0, 5.0], [8.0, 40.0, 4.0]])


def test_per_indicator_normalization_override_by_hand():
    spec = CompositeSpec(
        indicators=(
            IndicatorSpec("a"),
            IndicatorSpec("b", normalization="rank"),
            IndicatorSpec("c", direction="cost", normalization="goalposts", goalposts=(0.0, 10.0)),
        ),
        normalization="minmax",
    )
    r = composite_index(X, spec)
    z = r.normalized[0]
    np.testing.assert_allclose(z[:, 0], (X[:, 0] - 1) / 7)  # min-max
    np.testing.assert_allclose(z[:, 1], rankdata(X[:, 1]) / 5)  # rank / n
    np.testing.assert_allclose(z[:, 2], (10 - X[:, 2]) / 10)  # cost goalposts
    np.testing.assert_allclose(r.scores[0], z.mean(axis=1))
    assert "b: rank" in r.log[2] and "c: goalposts" in r.log[2]
    assert CompositeSpec.from_dict(spec.to_dict()).normalizations == ("minmax", "rank", "goalposts")


def test_override_needing_parameters_raises():
    with pytest.raises(DataError, match="goalposts missing for c"):
        CompositeSpec(indicators=(IndicatorSpec("a"), IndicatorSpec("c", normalization="goalposts")))
    with pytest.raises(DataError, match="normalization of c"):
        IndicatorSpec("c", normalization="logistic")


def test_treatment_step_is_treat_outliers_on_the_pool_and_is_logged():
    rng = np.random.default_rng(2)
    x = rng.lognormal(0.0, 1.0, size=(40, 3))
    x[0, 1] = 200.0  # an outlier
    spec = CompositeSpec(indicators=tuple(IndicatorSpec(n) for n in "abc"), treatment="winsorise")
    r = composite_index(x, spec)
    treated = treat_outliers(pd.DataFrame(x, columns=list("abc")), method="winsorise").values.to_numpy()
    np.testing.assert_allclose(r.normalized[0], (treated - treated.min(axis=0)) / np.ptp(treated, axis=0))
    assert any(line.startswith("treat b: ") for line in r.log)
    plain = composite_index(x, spec.with_choices(treatment="none"))
    assert not np.allclose(plain.scores, r.scores)
    with pytest.raises(DataError, match="treatment 'trim'"):
        spec.with_choices(treatment="trim")


def test_uncertainty_refuses_steps_it_would_skip():
    spec = CompositeSpec(indicators=tuple(IndicatorSpec(n) for n in "abc"), treatment="log")
    with pytest.raises(DataError, match="does not replay the outlier treatment"):
        uncertainty_analysis(X, spec, n_draws=10, seed=1)
    spec2 = CompositeSpec(
        indicators=(IndicatorSpec("a"), IndicatorSpec("b", normalization="rank"), IndicatorSpec("c"))
    )
    with pytest.raises(DataError, match="overrides for b"):
        uncertainty_analysis(X, spec2, n_draws=10, seed=1)


def test_correlation_weighting_is_the_optimiser_on_minmax_values():
    from regcoord.measure.weighting import correlation_optimised_weights

    spec = CompositeSpec(indicators=tuple(IndicatorSpec(n) for n in "abc"), weighting="correlation")
    r = composite_index(X, spec)
    z01 = (X - X.min(axis=0)) / np.ptp(X, axis=0)
    np.testing.assert_allclose(r.weights[0], correlation_optimised_weights(z01).weights, atol=1e-12)
    assert any(line.startswith("weights correlation-optimised") for line in r.log)
