"""Spatial Markov, LISA Markov, rank mobility and local Moran.

References: the values printed in giddy's documentation (docstrings of
``giddy.markov.Spatial_Markov``, ``giddy.markov.LISA_Markov``, ``giddy.rank.Theta`` and
``giddy.rank.SpatialTau``, giddy 2.3) on the us_income and mexico example data bundled
with libpysal; giddy itself on the same input with the regions in another order (1e-10);
hand calculations written out below; scipy's Kendall tau.
"""

from __future__ import annotations

import warnings

import libpysal
import numpy as np
import pandas as pd
import pytest
from esda.moran import Moran, Moran_Local
from giddy.markov import Spatial_Markov
from scipy.stats import kendalltau

from regcoord.errors import DataError
from regcoord.measure.spatial_dynamics import lisa_markov, local_moran, rank_mobility, spatial_markov


@pytest.fixture(scope="module")
def us_income() -> tuple[np.ndarray, list[str], list[int], libpysal.weights.W]:
    """PySAL's us_income panel: per-capita income of 48 states 1929-2009, states48.gal contiguity."""
    frame = pd.read_csv(libpysal.examples.get_path("usjoin.csv"))
    years = list(range(1929, 2010))
    pci = frame[[str(y) for y in years]].to_numpy(dtype=float).T  # (T, n)
    names = frame["Name"].astype(str).tolist()
    gal = libpysal.io.open(libpysal.examples.get_path("states48.gal")).read()
    # the .gal ids are row positions; relabel them with the state names
    named = libpysal.weights.W(
        {names[int(i)]: [names[int(j)] for j in nb] for i, nb in gal.neighbors.items()},
        silence_warnings=True,
    )
    return pci, names, years, named


@pytest.fixture(scope="module")
def mexico() -> tuple[np.ndarray, np.ndarray]:
    f = libpysal.io.open(libpysal.examples.get_path("mexico.csv"))
    y = np.array([f.by_col[f"pcgdp{d}"] for d in range(1940, 2010, 10)], dtype=float)  # (7, 32)
    return y, np.array(f.by_col["esquivel99"])


def _giddy_w(named: libpysal.weights.W, names: list[str]) -> libpysal.weights.W:
    w = libpysal.weights.W(
        {n: list(named.neighbors[n]) for n in names}, id_order=names, silence_warnings=True
    )
    w.transform = "r"
    return w


def test_spatial_markov_matches_giddy_documentation(us_income):
    pci, names, years, named = us_income
    r = spatial_markov(pci, named, k=5, m=5, relative=True, years=years, regions=names)
    # printed in giddy's Spatial_Markov docstring (rpci = pci / yearly mean, quintiles)
    np.testing.assert_allclose(r.cutoffs, [0.83999133, 0.94707545, 1.03242697, 1.14911154], atol=5e-9)
    np.testing.assert_allclose(r.lag_cutoffs, [0.88973386, 0.95891917, 1.01469758, 1.1183566], atol=5e-9)
    np.testing.assert_allclose(r.conditional_p[0, 0], [0.96341463, 0.0304878, 0.00609756, 0, 0], atol=5e-9)
    np.testing.assert_allclose(r.conditional_p[4, 4], [0, 0, 0, 0.02352941, 0.97647059], atol=5e-9)
    np.testing.assert_allclose(r.p[0], [0.91461837, 0.07503234, 0.00905563, 0.00129366, 0], atol=5e-9)
    assert f"{r.lr:.3f}" == "170.659"
    assert f"{r.q:.3f}" == "200.624"
    assert r.dof == 60
    np.testing.assert_allclose(
        r.steady_states[0], [0.43509425, 0.2635327, 0.20363044, 0.06841983, 0.02932278], atol=5e-9
    )
    np.testing.assert_allclose(
        r.steady_states[4], [0.01776781, 0.19964349, 0.19009833, 0.25524697, 0.3372434], atol=5e-9
    )
    # each conditional matrix is a probability matrix, counts add up to the pooled ones
    np.testing.assert_allclose(r.conditional_p.sum(axis=2), 1.0, atol=1e-12)
    np.testing.assert_array_equal(r.conditional_transitions.sum(axis=0), r.transitions)
    assert r.transitions.sum() == 48 * 80


def test_spatial_markov_aligns_weights_by_name_to_1e_10(us_income):
    pci, names, years, named = us_income
    order = np.random.default_rng(3).permutation(len(names))
    shuffled = [names[i] for i in order]
    r = spatial_markov(pci[:, order], named, k=5, m=5, relative=True, regions=shuffled, years=years)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = Spatial_Markov((pci / pci.mean(axis=1, keepdims=True)).T, _giddy_w(named, names), k=5, m=5)
    np.testing.assert_allclose(r.conditional_p, ref.P, atol=1e-10, rtol=0)
    np.testing.assert_allclose(r.p, ref.p, atol=1e-10, rtol=0)
    np.testing.assert_allclose(r.steady_states, np.asarray(ref.S, dtype=float), atol=1e-10, rtol=0)
    assert abs(r.q - ref.Q) < 1e-10 and abs(r.lr - ref.LR) < 1e-10 and abs(r.x2 - ref.x2) < 1e-10
    # the classes travel with the region names
    frame = r.classes_frame().set_index(["region", "year"])
    i = names.index("Mississippi")
    assert frame.loc[("Mississippi", 1929), "class"] == ref.class_ids[i, 0]
    assert frame.loc[("Mississippi", 1929), "lag_class"] == ref.lclass_ids[i, 0]


def test_spatial_markov_hand_count():
    # ring a-b-c-d-a; 3 years; k = m = 2 classes at the pooled median
    y = np.array([[1.0, 2, 3, 4], [2, 1, 3, 4], [4, 1, 2, 3]])
    ring = np.array([[0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0]])
    r = spatial_markov(y, ring, k=2, m=2, regions=list("abcd"))
    # pooled values 1,1,1,2,2,2,3,3,3,4,4,4: cut-off 2.5, class 0 = low (<= 2.5)
    # classes: a 0,0,1  b 0,0,0  c 1,1,0  d 1,1,1
    np.testing.assert_array_equal(r.classes, [[0, 0, 1], [0, 0, 0], [1, 1, 0], [1, 1, 1]])
    # lags (row-standardized): year 0 a=(2+4)/2=3 b=(1+3)/2=2 c=3 d=2; year 1 all 2.5;
    # year 2 a=(1+3)/2=2 b=(4+2)/2=3 c=2 d=3; pooled lag cut-off 2.5
    np.testing.assert_array_equal(r.lag_classes, [[1, 0, 0], [0, 0, 1], [1, 0, 0], [0, 0, 1]])
    # moves conditioned on the lag class at the start of the step:
    # lag low:  b 0->0, d 1->1 (step 0); a 0->1, b 0->0, c 1->0, d 1->1 (step 1)
    # lag high: a 0->0, c 1->1 (step 0)
    np.testing.assert_array_equal(r.conditional_transitions[0], [[2, 1], [1, 2]])
    np.testing.assert_array_equal(r.conditional_transitions[1], [[1, 0], [0, 1]])
    np.testing.assert_array_equal(r.transitions, [[3, 1], [1, 3]])
    np.testing.assert_allclose(r.conditional_p[0], [[2 / 3, 1 / 3], [1 / 3, 2 / 3]])
    # the steady state of a symmetric 2-state chain is (1/2, 1/2); the identity chain has none
    np.testing.assert_allclose(r.steady_states[0], [0.5, 0.5])
    assert np.isnan(r.steady_states[1]).all() and "reducible" in r.steady_state_notes[1]


def test_spatial_markov_permutations_reproducible(us_income):
    pci, names, _years, named = us_income
    a = spatial_markov(pci[:20], named, k=4, m=4, regions=names, permutations=19, seed=7)
    b = spatial_markov(pci[:20], named, k=4, m=4, regions=names, permutations=19, seed=7)
    assert a.x2_p_value == b.x2_p_value
    assert a.x2_p_value is not None and 1 / 20 <= a.x2_p_value <= 1
    state = np.random.get_state()[1][:5].copy()
    spatial_markov(pci[:20], named, k=4, m=4, regions=names, permutations=5, seed=1)
    np.testing.assert_array_equal(np.random.get_state()[1][:5], state)  # global state restored


def test_lisa_markov_matches_giddy_documentation(us_income):
    pci, names, years, named = us_income
    lm = lisa_markov(pci, named, regions=names, years=years)
    np.testing.assert_array_equal(
        lm.transitions, [[1087, 44, 4, 34], [41, 470, 36, 1], [5, 34, 1422, 39], [30, 1, 40, 552]]
    )
    np.testing.assert_allclose(lm.steady_state, [0.28561505, 0.14190226, 0.40493672, 0.16754598], atol=5e-9)
    assert f"{lm.chi2:8.3f}" == "1058.208" and lm.chi2_dof == 9
    np.testing.assert_allclose(
        lm.expected_transitions[0], [1123.2809778, 11.53773565, 0.34752216, 33.83376439]
    )
    assert lm.move_types[0, :3].tolist() == [11, 11, 11]
    assert lm.significant_moves is None  # no permutations, no significance
    # move type = 4 (q1 - 1) + q2, by hand from the quadrants
    q = lm.quadrants
    np.testing.assert_array_equal(lm.move_types, 4 * (q[:, :-1] - 1) + q[:, 1:])
    assert set(lm.to_frame()["label"]) <= {"HH", "LH", "LL", "HL"}


def test_lisa_markov_significant_moves_follow_giddys_coding(us_income):
    pci, names, years, named = us_income
    lr = lisa_markov(pci[:12], named, regions=names, years=years[:12], permutations=199, seed=10)
    assert lr.significant_moves is not None and lr.p_values is not None
    s = lr.p_values <= 0.05
    q = lr.quadrants
    # giddy's table: move 4 (q1 - 1) + q2, plus 16 (end not significant), 32 (start not significant)
    for i in range(48):
        for t in range(11):
            expected = 4 * (q[i, t] - 1) + q[i, t + 1] + (0 if s[i, t] else 32) + (0 if s[i, t + 1] else 16)
            assert lr.significant_moves[i, t] == expected
    assert (lr.significant_moves < 49).sum() > 0 and (lr.significant_moves >= 49).sum() > 0
    # the p-values are those of local_moran with the same seed (normal approximation)
    lo = local_moran(pci[:12], named, regions=names, permutations=199, seed=10)
    np.testing.assert_allclose(lr.p_values, lo.p_z_value.T, rtol=1e-12)


def test_local_moran_pseudo_p_values_match_exact_conditional_distribution():
    """Five regions on a line; the exact conditional-permutation distribution by enumeration."""
    from itertools import permutations as perms_of

    x = np.array([3.0, 1.0, 4.0, 1.5, 9.0])
    line = np.diag(np.ones(4), 1) + np.diag(np.ones(4), -1)
    n = 5
    z = x - x.mean()
    wr = line / line.sum(axis=1, keepdims=True)
    m2 = z @ z
    obs = (n - 1) * z * (wr @ z) / m2
    exact = []
    for i in range(n):
        others = [j for j in range(n) if j != i]
        k = int(line[i].sum())
        sims = np.array([(n - 1) * z[i] * np.mean(z[list(c)]) / m2 for c in perms_of(others, k)])
        above = (sims >= obs[i] - 1e-12).mean()
        exact.append(min(above, 1 - above))  # folded tail probability
    r = local_moran(x, line, permutations=20_000, seed=5)
    np.testing.assert_allclose(r.local_i[0], obs, rtol=1e-12)
    # Monte Carlo error of a tail share of 20,000 draws: sd <= 0.0036
    np.testing.assert_allclose(r.p_value[0], exact, atol=0.015)


def test_local_moran_hand_formula(us_income):
    pci, names, years, named = us_income
    lo = local_moran(pci[-3:], named, regions=names, years=years[-3:], permutations=199, seed=4)
    w = _giddy_w(named, names)
    wm = w.full()[0]
    for t in range(3):
        x = pci[-3 + t]
        z = x - x.mean()
        lag = wm @ z
        by_hand = (len(x) - 1) * z * lag / (z**2).sum()
        np.testing.assert_allclose(lo.local_i[t], by_hand, rtol=1e-12)
        quadrant = np.where(z > 0, np.where(lag > 0, 1, 4), np.where(lag > 0, 2, 3))
        np.testing.assert_array_equal(lo.quadrant[t], quadrant)
        global_i = len(x) / wm.sum() * (z @ wm @ z) / (z @ z)
        assert abs(lo.moran_i[t] - global_i) < 1e-12
        # esda on the same input (no permutations: only the statistics)
        ref = Moran_Local(x, w, permutations=0)
        np.testing.assert_allclose(lo.local_i[t], ref.Is, rtol=1e-10)
        np.testing.assert_array_equal(lo.quadrant[t], ref.q)
        assert abs(lo.moran_i[t] - Moran(x, w, permutations=0).I) < 1e-12
    # folded pseudo p-values lie in [1/(perms+1), 1/2]
    assert ((lo.p_value >= 1 / 200) & (lo.p_value <= 0.5)).all()
    assert (lo.moran_p_value == 1 / 200).all()  # strong positive autocorrelation of US incomes
    again = local_moran(pci[-3:], named, regions=names, years=years[-3:], permutations=199, seed=4)
    np.testing.assert_array_equal(lo.p_value, again.p_value)
    clusters = lo.cluster
    assert ((clusters == "ns") == (lo.p_value > 0.05)).all()
    counts = lo.counts()
    assert (counts.sum(axis=1) == 48).all()
    frame = lo.to_frame()
    assert frame.loc[(frame.year == 2009) & (frame.region == "Mississippi"), "quadrant"].item() == 3


def test_rank_mobility_matches_giddy_documentation(mexico):
    y, regime = mexico
    w = libpysal.weights.block_weights(regime, silence_warnings=True)
    rm = rank_mobility(y, w.full()[0], regimes=regime, permutations=99, seed=10)
    # SpatialTau docstring: spatial tau per decade
    np.testing.assert_allclose(rm.spatial_tau, [0.397, 0.492, 0.651, 0.714, 0.683, 0.810], atol=5e-4)
    # Theta docstring
    assert rm.theta is not None
    np.testing.assert_allclose(
        rm.theta, [0.41538462, 0.28070175, 0.61363636, 0.62222222, 0.33333333, 0.47222222], atol=5e-9
    )
    for t in range(6):
        assert abs(rm.tau[t] - kendalltau(y[t], y[t + 1]).statistic) < 1e-12
    assert rm.spatial_tau_p_value is not None and (rm.spatial_tau_p_value <= 1).all()
    assert rm.to_frame().index.names == ["from_year", "to_year"]


def test_errors_name_region_and_expectation(us_income):
    pci, names, _years, named = us_income
    with pytest.raises(DataError, match="Atlantis"):
        spatial_markov(pci[:, :3], named, regions=[*names[:2], "Atlantis"])
    iso = np.zeros((3, 3))
    iso[0, 1] = iso[1, 0] = 1
    with pytest.raises(DataError, match="no neighbour"):
        local_moran(np.array([[1.0, 2, 3]]), iso, regions=["a", "b", "c"])
    with pytest.raises(DataError, match="k is"):
        spatial_markov(pci, named, regions=names, k=1)
    with pytest.raises(DataError, match="at least 2 years"):
        lisa_markov(pci[:1], named, regions=names)
    flat = np.vstack([pci[0], np.ones(48)])
    with pytest.raises(DataError, match="same value in year 1931"):
        local_moran(flat, named, regions=names, years=[1930, 1931])
