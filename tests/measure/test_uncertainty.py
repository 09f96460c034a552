"""Uncertainty and sensitivity: the batched engine against a per-draw loop, SALib and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcoord.errors import DataError
from regcoord.measure.composite import CompositeSpec, IndicatorSpec, composite_index
from regcoord.measure.uncertainty import (
    Factor,
    _Engine,
    _quantiles_from_counts,
    default_factors,
    draw_configurations,
    sensitivity_analysis,
    uncertainty_analysis,
)


def make(n=40, k=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.lognormal(size=(n, k))
    spec = CompositeSpec(
        indicators=tuple(IndicatorSpec(f"x{j}", direction="cost" if j == 1 else "benefit") for j in range(k))
    )
    return x, spec


def test_engine_ranks_equal_composite_index_per_configuration():
    x, spec = make()
    fs = default_factors(spec)
    eng = _Engine(x, spec, fs, None, None)
    configs = draw_configurations(eng.sizes, 60, seed=11)
    ranks, inverse = eng.ranks(configs)
    for row, cfg in enumerate(configs):
        norm = eng.choices["normalization"][cfg[0]]
        weight = eng.choices["weighting"][cfg[1]]
        agg = eng.choices["aggregation"][cfg[2]]
        drop = eng.choices["drop_indicator"][cfg[3]]
        keep = [j for j in range(x.shape[1]) if spec.names[j] != drop]
        sub = CompositeSpec(indicators=tuple(spec.indicators[j] for j in keep), weighting=weight)
        if agg == "geometric":
            # the engine maps each normalized indicator onto [1, 100]; for min-max that is
            # exactly composite_index with minmax_range (1, 100)
            if norm != "minmax":
                continue
            sub = sub.with_choices(aggregation="geometric", minmax_range=(1.0, 100.0))
        else:
            sub = sub.with_choices(normalization=norm, aggregation=agg)
        ref = composite_index(x[:, keep], sub)
        np.testing.assert_array_equal(ranks[:, inverse[row]], ref.ranks[0], err_msg=f"{cfg}")


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 30), st.integers(1, 8), st.integers(0, 10_000))
def test_quantiles_from_counts_equal_numpy_percentile_on_expansion(n_regions, n_configs, seed):
    rng = np.random.default_rng(seed)
    values = rng.integers(1, 20, size=(n_regions, n_configs))
    counts = rng.integers(1, 6, size=n_configs)
    expanded = np.repeat(values, counts, axis=1)
    got = _quantiles_from_counts(values, counts, (0.05, 0.5, 0.95))
    np.testing.assert_allclose(got, np.percentile(expanded, [5, 50, 95], axis=1), rtol=1e-12)


def test_no_uncertainty_when_every_factor_is_fixed():
    x, spec = make()
    r = uncertainty_analysis(
        x, spec, n_draws=50, seed=1, factors={"normalization": ["minmax"], "weighting": ["equal"]}
    )
    np.testing.assert_array_equal(r.median_rank, r.nominal_rank)
    np.testing.assert_array_equal(r.p05_rank, r.nominal_rank)
    np.testing.assert_array_equal(r.p95_rank, r.nominal_rank)
    assert r.n_configurations == 1


def test_uncertainty_interval_contains_median_and_seed_is_reproducible():
    x, spec = make()
    calls = []
    r1 = uncertainty_analysis(x, spec, n_draws=500, seed=5, progress=lambda d, t: calls.append((d, t)))
    r2 = uncertainty_analysis(x, spec, n_draws=500, seed=5)
    np.testing.assert_array_equal(r1.median_rank, r2.median_rank)
    assert np.all(r1.p05_rank <= r1.median_rank) and np.all(r1.median_rank <= r1.p95_rank)
    assert np.all((r1.p05_rank >= 1) & (r1.p95_rank <= x.shape[0]))
    assert calls[-1][0] == calls[-1][1] == r1.n_configurations
    # mean rank against the expanded draws computed directly
    eng = _Engine(x, spec, default_factors(spec), None, None)
    ranks, inverse = eng.ranks(draw_configurations(eng.sizes, 500, seed=5))
    np.testing.assert_allclose(r1.mean_rank, ranks[:, inverse].mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(r1.median_rank, np.median(ranks[:, inverse], axis=1))
    assert len(r1.to_frame()) == x.shape[0]


def test_sobol_equals_salib_analyze_for_single_regions():
    from SALib.analyze import sobol as salib_sobol

    x, spec = make(n=25)
    factors = {
        "normalization": ["minmax", "zscore", "rank"],
        "weighting": ["equal", "entropy", "critic"],
        "aggregation": ["arithmetic", "topsis"],
    }
    r = sensitivity_analysis(x, spec, n_base=64, seed=3, factors=factors, num_resamples=20)
    # rebuild the model output per region and ask SALib itself
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": 3, "names": list(factors), "bounds": [[0.0, 1.0]] * 3}
    X = sobol_sample.sample(problem, 64, calc_second_order=False, seed=3)
    eng = _Engine(x, spec, tuple(Factor(k, tuple(v)) for k, v in factors.items()), None, None)
    cfg = np.zeros((len(X), 4), dtype=np.intp)
    for j, (_name, ch) in enumerate(factors.items()):
        cfg[:, j] = np.minimum((X[:, j] * len(ch)).astype(int), len(ch) - 1)
    ranks, inv = eng.ranks(cfg)
    Y = ranks[:, inv].T.astype(float)
    checked = 0
    for i in range(25):
        if Y[:, i].std() == 0:
            continue
        ref = salib_sobol.analyze(problem, Y[:, i], calc_second_order=False, num_resamples=20, seed=3)
        np.testing.assert_allclose(r.S1[i], ref["S1"], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(r.ST[i], ref["ST"], rtol=1e-10, atol=1e-12)
        checked += 1
        if checked == 4:
            break
    assert checked == 4


def test_sobol_irrelevant_factor_has_zero_total_index():
    # indicator x2 is constant: with equal weights, dropping it rescales the others'
    # weights by the same factor and cannot change any rank -> ST(drop_indicator) = 0
    rng = np.random.default_rng(9)
    x = rng.lognormal(size=(30, 3))
    x[:, 2] = 4.0
    spec = CompositeSpec(indicators=tuple(IndicatorSpec(f"x{j}") for j in range(3)))
    factors = {"normalization": ["minmax", "rank"], "weighting": ["equal"], "drop_indicator": ["none", "x2"]}
    r = sensitivity_analysis(x, spec, n_base=32, seed=1, factors=factors, num_resamples=10)
    assert [f.name for f in r.factors] == ["normalization", "drop_indicator"]
    np.testing.assert_allclose(r.ST[:, 1], 0.0, atol=1e-12)
    np.testing.assert_allclose(r.S1[:, 1], 0.0, atol=1e-12)
    assert r.ST[:, 0].max() > 0


def test_panel_year_and_bad_input(china_panel):
    from regcoord.measure.composite import load_spec

    spec = load_spec("china_development")
    r = uncertainty_analysis(china_panel, spec, n_draws=100, seed=2, year=2020)
    assert r.year == 2020 and len(r.regions) == 31
    with pytest.raises(DataError, match="year"):
        uncertainty_analysis(china_panel, spec, n_draws=10, seed=2, year=1999)
    with pytest.raises(DataError, match="factor"):
        uncertainty_analysis(china_panel, spec, n_draws=10, seed=2, factors={"colour": ["red"]})
    with pytest.raises(DataError, match="power of 2"):
        sensitivity_analysis(china_panel, spec, n_base=100, seed=2)


def test_second_order_sobol_equals_salib_analyze_for_single_regions():
    from SALib.analyze import sobol as salib_sobol
    from SALib.sample import sobol as sobol_sample

    x, spec = make(n=25)
    factors = {
        "normalization": ["minmax", "zscore", "rank"],
        "weighting": ["equal", "entropy", "critic"],
        "aggregation": ["arithmetic", "topsis"],
    }
    r = sensitivity_analysis(x, spec, n_base=64, seed=5, factors=factors, num_resamples=20, second_order=True)
    assert r.S2 is not None and r.n_runs == 64 * (2 * 3 + 2)
    problem = {"num_vars": 3, "names": list(factors), "bounds": [[0.0, 1.0]] * 3}
    X = sobol_sample.sample(problem, 64, calc_second_order=True, seed=5)
    eng = _Engine(x, spec, tuple(Factor(k, tuple(v)) for k, v in factors.items()), None, None)
    cfg = np.zeros((len(X), 4), dtype=np.intp)
    for j, (_name, ch) in enumerate(factors.items()):
        cfg[:, j] = np.minimum((X[:, j] * len(ch)).astype(int), len(ch) - 1)
    ranks, inv = eng.ranks(cfg)
    Y = ranks[:, inv].T.astype(float)
    checked = 0
    for i in range(25):
        if Y[:, i].std() == 0:
            continue
        ref = salib_sobol.analyze(problem, Y[:, i], calc_second_order=True, num_resamples=20, seed=5)
        np.testing.assert_allclose(r.S1[i], ref["S1"], rtol=1e-10, atol=1e-12)
        upper = np.triu(np.ones((3, 3), dtype=bool), k=1)
        np.testing.assert_allclose(r.S2[i][upper], ref["S2"][upper], rtol=1e-10, atol=1e-12)
        assert np.isnan(r.S2[i][~upper]).all()
        checked += 1
        if checked == 4:
            break
    assert checked == 4


def test_noisy_weights_one_draw_is_the_index_with_the_drawn_weights():
    from dataclasses import replace

    from regcoord.measure.uncertainty import noisy_weights_analysis

    x, spec = make(n=25)
    r = noisy_weights_analysis(x, spec, noise=0.4, n_draws=1, seed=8)
    k = len(spec.indicators)
    w0 = composite_index(x, spec).weights[0]
    w = w0 * (1 + np.random.default_rng(8).uniform(-0.4, 0.4, size=(1, k)))[0]
    user = replace(
        spec,
        weighting="user",
        indicators=tuple(replace(i, weight=float(v)) for i, v in zip(spec.indicators, w, strict=True)),
    )
    np.testing.assert_array_equal(r.median_rank, composite_index(x, user).ranks[0])


def test_noisy_weights_properties_and_refusals():
    from regcoord.measure.uncertainty import noisy_weights_analysis

    x, spec = make(n=25)
    tiny = noisy_weights_analysis(x, spec, noise=1e-12, n_draws=50, seed=1)
    np.testing.assert_array_equal(tiny.p05_rank, tiny.nominal_rank)
    np.testing.assert_array_equal(tiny.p95_rank, tiny.nominal_rank)
    wide = noisy_weights_analysis(x, spec, noise=0.9, n_draws=400, seed=1)
    assert (wide.p05_rank <= wide.median_rank).all() and (wide.median_rank <= wide.p95_rank).all()
    assert (wide.p95_rank - wide.p05_rank).max() > 0
    with pytest.raises(DataError, match="TOPSIS"):
        noisy_weights_analysis(x, spec.with_choices(aggregation="topsis"), seed=1)
    with pytest.raises(DataError, match=r"noise 1\.5"):
        noisy_weights_analysis(x, spec, noise=1.5, seed=1)
