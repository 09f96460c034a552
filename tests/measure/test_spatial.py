"""Spatial Gini (Rey and Smith 2013) against PySAL's Gini_Spatial and exact enumeration."""

from __future__ import annotations

import itertools

import libpysal
import numpy as np
import pytest
import scipy.sparse as sp
from inequality.gini import Gini_Spatial

from regcoord.errors import DataError
from regcoord.measure.inequality import gini
from regcoord.measure.spatial import spatial_gini


@pytest.fixture(scope="module")
def mexico_raw():
    f = libpysal.io.open(libpysal.examples.get_path("mexico.csv"))
    y = np.array([f.by_col[f"pcgdp{dec}"] for dec in range(1940, 2010, 10)])  # (7, 32)
    regimes = np.array(f.by_col("hanson98"))
    w = libpysal.weights.block_weights(regimes, silence_warnings=True)
    return y, w


@pytest.fixture(scope="module")
def us_raw():
    f = libpysal.io.open(libpysal.examples.get_path("usjoin.csv"))
    y = np.array([f.by_col[str(yr)] for yr in range(1929, 2010, 10)])  # (9, 48)
    gal = libpysal.io.open(libpysal.examples.get_path("states48.gal")).read()
    # the GAL ids are the row numbers of usjoin.csv, as strings; Gini_Spatial indexes by them
    w = libpysal.weights.W({int(k): [int(v) for v in nb] for k, nb in gal.neighbors.items()})
    return y, w


def test_reproduces_pysal_documented_example(mexico_raw):
    # inequality.gini.Gini_Spatial docstring: Mexico 1940, hanson98 regimes as neighbours
    y, w = mexico_raw
    r = spatial_gini(y[0], w, permutations=0)
    assert r.nonneighbour_sad[0] == 4353856.0
    assert r.gini[0] == pytest.approx(gini(y[0]).scalar, rel=1e-14)


@pytest.mark.parametrize("data", ["mexico_raw", "us_raw"])
def test_decomposition_equals_gini_spatial(data, request):
    y, w = request.getfixturevalue(data)
    r = spatial_gini(y, w, permutations=0)
    for t in range(len(y)):
        gs = Gini_Spatial(y[t], w, permutations=0)
        assert r.gini[t] == pytest.approx(gs.g, rel=1e-10)
        assert r.neighbour_sad[t] == pytest.approx(gs.wg, rel=1e-10)
        assert r.nonneighbour_sad[t] == pytest.approx(gs.wcg, rel=1e-10)
        assert r.nonneighbour_share[t] == pytest.approx(gs.wcg_share, rel=1e-10)
        assert r.polarization[t] == pytest.approx(gs.polarization, rel=1e-10)


def test_asymmetric_knn_weights_equal_gini_spatial():
    rng = np.random.default_rng(0)
    pts = rng.random((60, 2))
    w = libpysal.weights.KNN(pts, k=4)  # not symmetric
    x = rng.lognormal(size=60)
    r = spatial_gini(x, w, permutations=0)
    gs = Gini_Spatial(x, w, permutations=0)
    assert r.neighbour_sad[0] == pytest.approx(gs.wg, rel=1e-10)
    assert r.polarization[0] == pytest.approx(gs.polarization, rel=1e-10)


def test_null_distribution_matches_gini_spatial(us_raw):
    y, w = us_raw
    np.random.seed(123)
    gs = Gini_Spatial(y[-1], w, permutations=999)
    r = spatial_gini(y[-1], w, permutations=999, seed=9)
    assert r.expected_nonneighbour_sad[0] == pytest.approx(gs.e_wcg, rel=0.01)
    assert r.sd_nonneighbour_sad[0] == pytest.approx(gs.s_wcg, rel=0.15)
    # both p-values are small or both are not (same order of magnitude)
    assert (r.p_sim[0] < 0.05) == (gs.p_sim < 0.05)


def test_p_value_converges_to_exact_enumeration():
    # 6 regions on a path 0-1-2-3-4-5; all 720 arrangements of the values are equally likely
    x = np.array([1.0, 1.5, 2.0, 5.0, 6.0, 9.0])
    a = sp.diags([np.ones(5), np.ones(5)], [-1, 1], shape=(6, 6)).tocsr()
    obs = spatial_gini(x, a, permutations=0).nonneighbour_sad[0]
    sims = np.array([spatial_gini(x[list(p)], a, permutations=0).nonneighbour_sad[0]
                     for p in itertools.permutations(range(6))])  # fmt: skip
    exact = (sims >= obs - 1e-9).mean()
    r = spatial_gini(x, a, permutations=20000, seed=1)
    sd = np.sqrt(exact * (1 - exact) / 20000)
    assert abs(r.p_value[0] - exact) <= 4 * sd + 1e-4
    assert r.expected_nonneighbour_sad[0] == pytest.approx(
        sims.mean(), rel=4 * sims.std() / sims.mean() / np.sqrt(20000) + 1e-6
    )
    assert np.isin(np.round(r.simulated_nonneighbour_sad[:, 0], 8), np.round(sims, 8)).all()
    # sorted values on a path: neighbours are similar, non-neighbour inequality is extreme
    assert exact == pytest.approx(2 / 720)


def test_accepts_w_sparse_and_dense_alike(mexico_raw):
    y, w = mexico_raw
    a = spatial_gini(y, w, permutations=50, seed=2)
    b = spatial_gini(y, w.sparse, permutations=50, seed=2)
    c = spatial_gini(y, w.sparse.toarray(), permutations=50, seed=2)
    d = spatial_gini(y, w.sparse * 0.5, permutations=50, seed=2)  # magnitudes are not used
    for other in (b, c, d):
        np.testing.assert_array_equal(a.simulated_nonneighbour_sad, other.simulated_nonneighbour_sad)
        np.testing.assert_array_equal(a.p_value, other.p_value)


def test_regions_reorder_a_libpysal_w(us_panel, us_raw):
    y, w = us_raw
    f = libpysal.io.open(libpysal.examples.get_path("usjoin.csv"))
    names = [str(s) for s in f.by_col("Name")]
    w_named = libpysal.weights.W({names[i]: [names[j] for j in nb] for i, nb in w.neighbors.items()})
    order = np.argsort(names)[::-1]  # values in another order than W's ids
    r = spatial_gini(y[:, order], w_named, regions=[names[i] for i in order], permutations=0)
    ref = spatial_gini(y, w, permutations=0)
    np.testing.assert_allclose(r.neighbour_sad, ref.neighbour_sad, rtol=1e-12)


def test_seed_reproducible_and_progress(us_raw):
    y, w = us_raw
    calls = []
    a = spatial_gini(y, w, permutations=200, seed=5, progress=lambda d, t: calls.append((d, t)))
    b = spatial_gini(y, w, permutations=200, seed=5)
    np.testing.assert_array_equal(a.simulated_nonneighbour_sad, b.simulated_nonneighbour_sad)
    assert calls[-1] == (200, 200)
    frame = a.to_frame()
    assert {"gini", "nonneighbour_share", "p_value", "p_sim"} <= set(frame.columns)
    assert a.to_dict()["permutations"] == 200


def test_bad_weights():
    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(DataError, match="own neighbour"):
        spatial_gini(x, np.eye(3), permutations=0)
    with pytest.raises(DataError, match="shape"):
        spatial_gini(x, np.ones((2, 2)) - np.eye(2), permutations=0)
    with pytest.raises(DataError, match="no neighbour"):
        spatial_gini(x, np.zeros((3, 3)), permutations=0)
    with pytest.raises(DataError, match="type"):
        spatial_gini(x, [[0, 1], [1, 0]], permutations=0)
    with pytest.raises(DataError, match="permutations"):
        spatial_gini(x, np.ones((3, 3)) - np.eye(3), permutations=-1)
