"""Permutation test and bootstrap: PySAL TheilDSim in distribution, exact enumeration, seeds."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from inequality.theil import TheilDSim

from regcoord.errors import DataError
from regcoord.measure.decomposition import theil_decomposition
from regcoord.measure.inequality import _eps_key, inequality
from regcoord.measure.inference import bootstrap, permutation_test

# Documented in inequality.theil.TheilDSim (Mexico, hanson98, numpy seed 10, 999 permutations)
PYSAL_P = np.array([0.4, 0.344, 0.001, 0.001, 0.034, 0.072, 0.032])


@pytest.fixture(scope="module")
def mexico(mexico_panel):
    m = mexico_panel.matrix("pcgdp")
    return m, mexico_panel.group_labels("hanson98", m.regions)


def test_p_values_agree_with_pysal_theildsim_in_distribution(mexico):
    m, g = mexico
    r = permutation_test(m, g, permutations=4999, seed=20261125)
    # both are Monte Carlo estimates of the same exact p-value: allow 4 combined binomial sds
    # (PySAL's with 999 draws, ours with 4999) plus the 1/(1+N) granularity
    p = np.clip(PYSAL_P, 1e-3, None)
    sd = np.sqrt(p * (1 - p) / 999 + p * (1 - p) / 4999)
    assert np.all(np.abs(r.p_value - PYSAL_P) <= 4 * sd + 2e-3), (r.p_value, PYSAL_P)
    # same significance verdicts at 5 %
    assert ((r.p_value < 0.05) == (PYSAL_P < 0.05)).all()


def test_null_distribution_matches_theildsim(mexico):
    m, g = mexico
    np.random.seed(10)
    sim = TheilDSim(m.values.T, np.array(g), 999)
    ours = permutation_test(m, g, permutations=999, seed=1)
    theirs = sim.bg[1:]  # row 0 is the observed decomposition
    np.testing.assert_allclose(ours.observed.between, sim.bg[0], rtol=1e-10)
    # means and sds of 999 draws each: within 10 % and 15 %
    np.testing.assert_allclose(ours.expected_between, theirs.mean(axis=0), rtol=0.10)
    np.testing.assert_allclose(ours.sd_between, theirs.std(axis=0), rtol=0.15)


def _exact_p(x, groups, weights, kind):
    """Exact permutation p-value: enumerate every distinct assignment of the labels."""
    obs = theil_decomposition(x, groups, weights=weights, kind=kind).between
    sims = [
        theil_decomposition(x, list(perm), weights=weights, kind=kind).between
        for perm in set(itertools.permutations(groups))
    ]
    sims = np.array(sims)
    return (sims >= obs - 1e-12).mean(axis=0), np.unique(np.round(sims, 12), axis=0)


@pytest.mark.parametrize("kind", ["T", "L"])
@pytest.mark.parametrize("weighted", ["no", "fixed", "by year"])
def test_p_value_converges_to_exact_enumeration(kind, weighted):
    rng = np.random.default_rng(7)
    x = rng.lognormal(size=(2, 7)) + np.array([0, 0, 0, 1, 1, 2, 2])  # some real group effect
    groups = ["a", "a", "a", "b", "b", "c", "c"]  # 7! / (3! 2! 2!) = 210 assignments
    weights = {"no": None, "fixed": rng.uniform(0.5, 3.0, 7), "by year": rng.uniform(0.5, 3.0, (2, 7))}[
        weighted
    ]
    exact, support = _exact_p(x, groups, weights, kind)
    r = permutation_test(x, groups, weights=weights, kind=kind, permutations=20000, seed=3)
    # Monte Carlo p = (1 + k) / (1 + N): within 4 binomial sds of the exact tail probability
    sd = np.sqrt(exact * (1 - exact) / 20000)
    assert np.all(np.abs(r.p_value - exact) <= 4 * sd + 1e-4), (r.p_value, exact)
    # every simulated between value is one of the enumerated ones
    sims = np.round(r.simulated_between, 12)
    for t in range(2):
        assert np.isin(sims[:, t], support[:, t]).all()


def test_permutation_seed_reproducible_and_progress(mexico):
    m, g = mexico
    calls = []
    a = permutation_test(m, g, permutations=300, seed=42, progress=lambda d, t: calls.append((d, t)))
    b = permutation_test(m, g, permutations=300, seed=42)
    c = permutation_test(m, g, permutations=300, seed=43)
    np.testing.assert_array_equal(a.simulated_between, b.simulated_between)
    np.testing.assert_array_equal(a.p_value, b.p_value)
    assert not np.array_equal(a.simulated_between, c.simulated_between)
    assert calls[-1] == (300, 300)
    assert a.to_frame().loc[1960, "p_value"] == a.p_value[2]
    assert a.to_dict()["seed"] == 42


def test_permutation_bad_input(mexico):
    m, g = mexico
    with pytest.raises(DataError, match="permutations"):
        permutation_test(m, g, permutations=0)
    with pytest.raises(DataError, match="one group per region"):
        permutation_test(m, g[:-1])


def _exact_bootstrap(x, weights, epsilons):
    """All n^n equally likely resamples of a tiny cross-section, index by index."""
    n = x.size
    out: dict[str, list[float]] = {}
    for draw in itertools.product(range(n), repeat=n):
        idx = np.array(draw)
        w = None if weights is None else weights[idx]
        r = inequality(x[idx], weights=w, epsilons=epsilons)
        for name, v in r.columns().items():
            out.setdefault(name, []).append(float(v[0]))
    return {k: np.array(v) for k, v in out.items()}


@pytest.mark.parametrize("weighted", [False, True])
def test_bootstrap_replicates_follow_the_exact_resampling_distribution(weighted):
    x = np.array([1.0, 2.0, 4.0, 7.0])
    weights = np.array([1.0, 3.0, 2.0, 0.5]) if weighted else None
    eps = (0.5, 2.0)
    exact = _exact_bootstrap(x, weights, eps)  # 4^4 = 256 resamples
    b = bootstrap(x, weights=weights, replications=4000, seed=11, epsilons=eps)
    for name, reps in b.replicates.items():
        values = reps[:, 0]
        # every replicate is the index of some resample
        assert np.isin(np.round(values, 10), np.round(exact[name], 10)).all(), name
        # the replicate mean estimates the exact resampling mean
        se = exact[name].std() / np.sqrt(4000)
        assert abs(values.mean() - exact[name].mean()) <= 4.5 * se + 1e-12, name
        # the percentile interval is the empirical quantile of the replicates
        assert b.lower[name][0] == pytest.approx(np.quantile(values, 0.025))
        assert b.upper[name][0] == pytest.approx(np.quantile(values, 0.975))


def test_bootstrap_panel_intervals_and_seed(mexico):
    m, _ = mexico
    a = bootstrap(m, replications=400, seed=5)
    b = bootstrap(m, replications=400, seed=5)
    narrow = bootstrap(m, replications=400, seed=5, ci=0.5)
    for name in a.lower:
        np.testing.assert_array_equal(a.replicates[name], b.replicates[name])
        assert np.all(a.lower[name] <= a.upper[name])
        assert np.all(narrow.lower[name] >= a.lower[name] - 1e-15)
        assert np.all(narrow.upper[name] <= a.upper[name] + 1e-15)
    iv = a.intervals(0)
    assert set(iv["atkinson"]) == {_eps_key(e) for e in (0.5, 1.0, 2.0)} == {"0.5", "1.0", "2.0"}
    assert iv["gini"] == [a.lower["gini"][0], a.upper["gini"][0]]
    frame = a.to_frame()
    assert frame.loc[(1940, "theil_t"), "estimate"] == pytest.approx(0.20894344, abs=5e-9)
    assert len(a.to_dict()["intervals"]) == 7


def test_bootstrap_bad_input(mexico):
    m, _ = mexico
    with pytest.raises(DataError, match="confidence"):
        bootstrap(m, ci=1.5)
    with pytest.raises(DataError, match="replications"):
        bootstrap(m, replications=-3)
