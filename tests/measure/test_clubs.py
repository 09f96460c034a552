"""Convergence clubs: against the R package ConvergenceClubs and the Python port convergence-clubs.

References
- R package ConvergenceClubs (Sichera and Pizzuto, github.com/rhobis/ConvergenceClubs): its
  data files ``data/filteredGDP.rda`` and ``data/GDP.rda`` (152 countries, 1970-2003, the
  data of Phillips and Sul 2009), read with pyreadr when a copy of the repository is at hand
  (``CONVERGENCECLUBS_R_DIR``), and the club sizes its pkgdown reference pages print for
  ``findClubs(..., time_trim = 1/3, cstar = 0, HACmethod = "FQSB")`` and ``mergeClubs``
  (docs/reference/findClubs.html, mergeClubs.html).
- the Python port ``convergence-clubs`` (PyPI, dev extra), which ships the same data and
  claims agreement with R to 1e-8: every club, t statistic and coefficient compared in the
  same run, on the PS data and on Mendez's (2020) productivity data.
"""

from __future__ import annotations

import os
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcoord.errors import DataError
from regcoord.measure.clubs import (
    convergence_clubs,
    hamilton_filter,
    hp_filter,
    log_t_test,
)

cc = pytest.importorskip("convergence_clubs")


@pytest.fixture(scope="module")
def ps_data():
    """Phillips-Sul (2009) filtered log GDP per capita: (T=34, n=152) and country names."""
    frame = cc.load_filtered_gdp()
    return frame.to_numpy().T, [str(i) for i in frame.index]


def _port_clubs(result) -> list[set[int]]:
    return [set(c.ids) for c in result]


def _ours(result, names) -> list[set[int]]:
    pos = {n: i for i, n in enumerate(names)}
    return [{pos[m] for m in c.members} for c in result.clubs]


# -- the R package's printed results ------------------------------------------------------


def test_club_sizes_printed_by_convergenceclubs(ps_data):
    # findClubs(filteredGDP, dataCols = 2:35, refCol = 35, time_trim = 1/3, cstar = 0,
    # HACmethod = "FQSB"); summary(): 7 clubs of 50, 30, 21, 24, 14, 11, 2, no divergent.
    x, names = ps_data
    r = convergence_clubs(x, regions=names, filter="none")
    assert [len(c.members) for c in r.clubs] == [50, 30, 21, 24, 14, 11, 2]
    assert r.divergent == ()
    # mergeClubs(clubs, mergeMethod = "PS") and "vLT": 50, 30, 21, 38 (clubs 4 + 5), 11, 2
    for rule in ("PS", "vLT"):
        m = convergence_clubs(x, regions=names, filter="none", merge=rule)
        assert [len(c.members) for c in m.clubs] == [50, 30, 21, 38, 11, 2]
        assert [c.merged_from for c in m.clubs] == [(1,), (2,), (3,), (4, 5), (6,), (7,)]


def _r_data_dir() -> Path | None:
    d = os.environ.get("CONVERGENCECLUBS_R_DIR")
    return Path(d) if d and Path(d).exists() else None


def _rda(name: str, tmp_path: Path):
    pyreadr = pytest.importorskip("pyreadr")
    d = _r_data_dir()
    if d is None:
        pytest.skip("no copy of the R package ConvergenceClubs (set CONVERGENCECLUBS_R_DIR)")
    path = d / "data" / f"{name}.rda"
    if not path.exists():  # a bare git directory: take the file out of HEAD
        path = tmp_path / f"{name}.rda"
        path.write_bytes(
            subprocess.run(
                ["git", "-C", str(d), "show", f"HEAD:data/{name}.rda"], check=True, capture_output=True
            ).stdout
        )
    return pyreadr.read_r(str(path))[name]


def test_r_package_data_read_with_pyreadr(ps_data, tmp_path):
    """The .rda files of the R package: same data as the port's; our HP filter = mFilter's."""
    filtered = _rda("filteredGDP", tmp_path)
    raw = _rda("GDP", tmp_path)
    x, _ = ps_data
    fx = filtered.iloc[:, 1:].to_numpy(dtype=float).T
    assert np.array_equal(fx, x)
    # data-raw/countryGDP.R: filteredGDP = mFilter::hpfilter(log(GDP), freq = 400)$trend
    hp = hp_filter(np.log(raw.iloc[:, 1:].to_numpy(dtype=float).T), lamb=400)
    np.testing.assert_allclose(hp, fx, atol=1e-10)
    r = convergence_clubs(raw.iloc[:, 1:].to_numpy(dtype=float).T, filter="hp")
    assert [len(c.members) for c in r.clubs] == [50, 30, 21, 24, 14, 11, 2]


# -- the Python port in the same run ------------------------------------------------------


@pytest.mark.parametrize(
    ("cstar", "method"), [(0.0, "fixed"), (0.0, "incremental"), (-1.0, "fixed"), (1.0, "incremental")]
)
def test_clubs_equal_the_port(ps_data, cstar, method):
    x, names = ps_data
    frame = cc.load_filtered_gdp()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the port warns of a club that fails its own test
        port = cc.find_clubs(frame, cstar=cstar, cstar_method=method, cstar_increment=0.1, cstar_cap=3)
    ours = convergence_clubs(x, regions=names, filter="none", cstar=cstar, cstar_method=method)
    assert _ours(ours, names) == _port_clubs(port)
    assert {names.index(d) for d in ours.divergent} == set(port.divergent_ids)
    for a, b in zip(ours.clubs, port, strict=True):
        assert a.test.log_t == pytest.approx(b.model.beta, abs=1e-9)
        assert a.test.se == pytest.approx(b.model.std_err, abs=1e-9)
        assert a.test.t_stat == pytest.approx(b.model.t_value, abs=1e-8)
        assert a.test.pvalue == pytest.approx(b.model.p_value, abs=1e-10)
        assert a.cstar == pytest.approx(b.cstar)


@pytest.fixture(scope="module")
def productivity():
    """Mendez (2020) labour productivity, 108 countries (the port's copy), log and HP-filtered."""
    frame = cc.load_productivity("lp")
    filtered = cc.hp_filter(np.log(frame), 400)
    return frame, filtered


def test_hp_filter_equals_the_port_and_statsmodels(productivity):
    from statsmodels.tsa.filters.hp_filter import hpfilter

    frame, filtered = productivity
    ours = hp_filter(np.log(frame.to_numpy().T), lamb=400)
    np.testing.assert_allclose(ours, filtered.to_numpy().T, atol=1e-10)
    _, trend = hpfilter(np.log(frame.to_numpy()[0]), lamb=400)
    np.testing.assert_allclose(ours[:, 0], trend, atol=1e-10)


@pytest.mark.parametrize("rule", ["PS", "vLT"])
def test_merges_and_divergent_equal_the_port(productivity, rule):
    frame, filtered = productivity
    names = [str(i) for i in filtered.index]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        port = cc.find_clubs(filtered)
        merged = cc.merge_clubs(port, rule)
        full = cc.merge_clubs(port, rule, merge_divergent=True)
    raw = convergence_clubs(frame.to_numpy().T, regions=names, filter="hp")
    assert _ours(raw, names) == _port_clubs(port)
    assert len(raw.divergent) >= 1  # the case that exercises merge_divergent
    ours = convergence_clubs(filtered.to_numpy().T, regions=names, filter="none", merge=rule)
    assert _ours(ours, names) == _port_clubs(merged)
    ours_d = convergence_clubs(
        filtered.to_numpy().T, regions=names, filter="none", merge=rule, merge_divergent=True
    )
    assert _ours(ours_d, names) == _port_clubs(full)
    assert {names.index(d) for d in ours_d.divergent} == set(full.divergent_ids)
    for a, b in zip(ours_d.clubs, full, strict=True):
        assert a.test.t_stat == pytest.approx(b.model.t_value, abs=1e-8)


def test_large_core_groups_equal_the_port():
    """A 700-region synthetic panel (the benchmark's): core groups of hundreds of regions."""
    from benchmarks.bench_clubs import _panel

    x = hp_filter(np.log(_panel(n=700)), lamb=400)
    names = [f"r{i}" for i in range(700)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        port = cc.find_clubs(pd.DataFrame(x.T, index=names))
    ours = convergence_clubs(x, regions=names, filter="none")
    assert max(len(c.members) for c in ours.clubs) > 100
    assert _ours(ours, names) == _port_clubs(port)
    for a, b in zip(ours.clubs, port, strict=True):
        assert a.test.t_stat == pytest.approx(b.model.t_value, rel=1e-8, abs=1e-8)


def test_log_t_of_all_equals_the_port(ps_data):
    x, _ = ps_data
    port = cc.log_t_test(cc.cross_sectional_variation(cc.load_filtered_gdp().to_numpy()))
    ours = log_t_test(x)
    assert ours.log_t == pytest.approx(port.beta, abs=1e-10)
    assert ours.t_stat == pytest.approx(port.t_value, abs=1e-8)
    assert not ours.converging  # PS (2009): the world as a whole does not converge


# -- hand calculations and properties -----------------------------------------------------


def test_log_t_by_hand():
    """The regression and the QS HAC variance written out for a 3-region panel, T = 9."""
    t = np.arange(1, 10, dtype=float)
    x = np.column_stack([5 + 1 / t, 5 - 1 / t**0.5, 5 + np.sin(t) / t])
    m = x.mean(axis=1)
    H = (((x / m[:, None]) - 1) ** 2).mean(axis=1)
    keep = np.arange(3, 9)  # round(9/3) = 3 years dropped
    lt = np.log(keep + 1.0)
    y = np.log(H[0] / H[keep]) - 2 * np.log(lt)
    X = np.column_stack([np.ones(6), lt])
    coef = np.linalg.lstsq(X, y, rcond=None)[0]
    e = y - X @ coef
    # Andrews (1991) QS kernel, AR(1) plug-in, ConvergenceClubs' sums over e[0..T-2] / (T-1)
    rho = (e[:-1] @ e[1:]) / (e[:-1] @ e[:-1])
    bw = 1.3221 * (4 * rho**2 / (1 - rho) ** 4 * 6) ** 0.2
    lrv = e @ e / 5
    for j in range(1, 5):
        z = 1.2 * np.pi * j / bw
        k = 3 / z**2 * (np.sin(z) / z - np.cos(z))
        lrv += 2 * k * (e[: 5 - j] @ e[j:5]) / 5
    se = np.sqrt(lrv * np.linalg.inv(X.T @ X)[1, 1])
    r = log_t_test(x)
    assert r.log_t == pytest.approx(coef[1], rel=1e-12)
    assert r.se == pytest.approx(se, rel=1e-12)
    assert r.t_stat == pytest.approx(coef[1] / se, rel=1e-12)
    assert r.nobs == 6


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(1, 4), min_size=4, max_size=4),
    st.integers(0, 2**31 - 1),
)
def test_integer_weights_equal_replicated_regions(w, seed):
    """Weight k on a region = the region repeated k times (population replication)."""
    rng = np.random.default_rng(seed)
    t = np.arange(1, 16)[:, None]
    x = 3 + rng.normal(0, 1, 4) / t**0.7 + rng.normal(0, 0.01, (15, 4))
    rep = np.repeat(x, w, axis=1)
    a = log_t_test(x, weights=np.array(w, dtype=float))
    b = log_t_test(rep)
    assert a.log_t == pytest.approx(b.log_t, rel=1e-9, abs=1e-12)
    assert a.t_stat == pytest.approx(b.t_stat, rel=1e-9, abs=1e-12)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_clubs_partition_the_regions_and_pass_their_test(seed):
    rng = np.random.default_rng(seed)
    t = np.arange(1, 26)[:, None]
    levels = np.repeat([9.0, 8.0, 7.0], 5)
    x = levels + rng.normal(0, 0.3, 15) / t + rng.normal(0, 0.002, (25, 15))
    r = convergence_clubs(x, filter="none")
    members = [m for c in r.clubs for m in c.members] + list(r.divergent)
    assert sorted(members) == sorted(f"#{i}" for i in range(15))
    for c in r.clubs:
        if c.cstar is not None and len(c.members) > 1:
            assert c.test.t_stat == pytest.approx(log_t_test(x[:, [int(m[1:]) for m in c.members]]).t_stat)


def test_equal_weights_change_nothing(ps_data):
    x, names = ps_data
    a = convergence_clubs(x, regions=names, filter="none")
    b = convergence_clubs(x, regions=names, filter="none", weights=np.full(len(names), 7.0))
    assert [c.members for c in a.clubs] == [c.members for c in b.clubs]
    assert b.weighted and not a.weighted


def test_hamilton_filter_by_hand():
    """y_{t+2} on (1, y_t), fitted values: a least-squares fit written out."""
    y = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 7.0, 6.5])
    X = np.column_stack([np.ones(5), y[:5]])
    coef = np.linalg.lstsq(X, y[2:], rcond=None)[0]
    np.testing.assert_allclose(hamilton_filter(y, h=2, p=1).ravel(), X @ coef, rtol=1e-12)
    # p = 2: y_{t+2} on (1, y_t, y_{t-1}), t = 1..4
    X2 = np.column_stack([np.ones(4), y[1:5], y[0:4]])
    coef2 = np.linalg.lstsq(X2, y[3:], rcond=None)[0]
    np.testing.assert_allclose(hamilton_filter(y, h=2, p=2).ravel(), X2 @ coef2, rtol=1e-12)


def test_hamilton_filter_loses_years():
    rng = np.random.default_rng(3)
    x = np.exp(np.cumsum(rng.normal(0.05, 0.02, (20, 6)), axis=0))
    r = convergence_clubs(x, years=list(range(2000, 2020)), filter="hamilton")
    assert r.years == tuple(range(2002, 2020))


def test_bad_input_is_named():
    x = np.ones((10, 3))
    with pytest.raises(DataError, match="filter"):
        convergence_clubs(x, filter="kalman")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="weight of b"):
        convergence_clubs(x + np.arange(3), regions=["a", "b", "c"], filter="none", weights=[1, -1, 1])
    with pytest.raises(DataError, match="years"):
        log_t_test(np.ones((3, 3)))
