"""Composite indices: every step against a hand calculation or another library."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.stats import entropy as scipy_entropy
from scipy.stats import rankdata

from regcoord.errors import DataError
from regcoord.measure.composite import (
    CompositeSpec,
    IndicatorSpec,
    _varimax,
    bundled_specs,
    composite_index,
    critic_weights,
    entropy_weights,
    load_spec,
    normalize,
    pca_weights,
)

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "composite"


def spec_of(k: int, cost: tuple[int, ...] = (), **kw) -> CompositeSpec:
    inds = tuple(IndicatorSpec(f"x{j}", direction="cost" if j in cost else "benefit") for j in range(k))
    return CompositeSpec(indicators=inds, **kw)


X = np.array([[1.0, 10.0, 5.0], [2.0, 30.0, 3.0], [4.0, 20.0, 1.0], [3.0, 40.0, 2.0]])


def test_minmax_with_cost_by_hand():
    z, log = normalize(X, "minmax", spec_of(3, cost=(2,)))
    np.testing.assert_allclose(z[:, 0], [0, 1 / 3, 1, 2 / 3])
    np.testing.assert_allclose(z[:, 1], [0, 2 / 3, 1 / 3, 1])
    np.testing.assert_allclose(z[:, 2], [0, 0.5, 1, 0.75])  # (max - x) / (max - min), max 5, min 1
    assert log == []


def test_zscore_rank_goalposts_dtt_by_hand():
    s = spec_of(3, cost=(2,))
    z, _ = normalize(X, "zscore", s)
    sd0 = np.sqrt(((np.array([1, 2, 4, 3]) - 2.5) ** 2).sum() / 3)  # ddof = 1
    np.testing.assert_allclose(z[:, 0], (np.array([1, 2, 4, 3]) - 2.5) / sd0)
    np.testing.assert_allclose(z[:, 2], -(X[:, 2] - X[:, 2].mean()) / X[:, 2].std(ddof=1))
    r, _ = normalize(X, "rank", s)
    np.testing.assert_allclose(r[:, 2], rankdata(-X[:, 2]) / 4)
    g = CompositeSpec(
        indicators=(
            IndicatorSpec("a", goalposts=(0, 3)),
            IndicatorSpec("b", direction="cost", goalposts=(0, 40)),
        ),
        normalization="goalposts",
    )
    zg, log = normalize(X[:, :2], "goalposts", g)
    np.testing.assert_allclose(zg[:, 0], [1 / 3, 2 / 3, 1.0, 1.0])  # 4 clipped at the goalpost 3
    np.testing.assert_allclose(zg[:, 1], [0.75, 0.25, 0.5, 0.0])
    assert any("clipped" in line for line in log)
    t = CompositeSpec(
        indicators=(IndicatorSpec("a", target=2.0), IndicatorSpec("b", direction="cost", target=20.0))
    )
    zt, _ = normalize(X[:, :2], "distance_to_target", t)
    np.testing.assert_allclose(zt[:, 0], X[:, 0] / 2)
    np.testing.assert_allclose(zt[:, 1], 20 / X[:, 1])


def test_entropy_weights_match_scipy_entropy_with_zero_convention():
    z = np.array([[0.0, 0.2, 0.5], [0.5, 0.4, 0.5], [1.0, 0.6, 0.5], [0.25, 0.8, 0.5]])
    w, _log = entropy_weights(z, names=["a", "b", "c"])
    # scipy.stats.entropy normalizes p and uses 0 ln 0 = 0 (the convention of measurement.md)
    e = np.array([scipy_entropy(z[:, j]) / math.log(4) for j in range(3)])
    d = 1 - e
    np.testing.assert_allclose(w, d / d.sum(), rtol=1e-12)
    assert w[2] == pytest.approx(0.0, abs=1e-15)  # a constant column carries no information


def test_entropy_zero_column_logged_and_shift():
    z = np.array([[0.0, 0.2], [0.0, 0.9], [0.0, 0.4]])
    w, log = entropy_weights(z, names=["zero", "b"])
    assert w.tolist() == [0.0, 1.0] and any("zero in every row" in line for line in log)
    w2, log2 = entropy_weights(np.array([[0.0, 0.2], [1.0, 0.9], [0.5, 0.4]]), shift=1e-4)
    assert any("shifted" in line for line in log2)
    assert w2.sum() == pytest.approx(1.0)


def test_pooled_entropy_is_entropy_over_all_region_years():
    rng = np.random.default_rng(1)
    cube = rng.uniform(1, 10, size=(3, 5, 2))  # 3 years, 5 regions
    res = composite_index(cube, spec_of(2, weighting="entropy"), years=[2001, 2002, 2003])
    pooled = cube.reshape(15, 2)
    z = (pooled - pooled.min(0)) / (pooled.max(0) - pooled.min(0))
    p = z / z.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = -np.nansum(np.where(p > 0, p * np.log(p), 0.0), axis=0) / math.log(15)  # 1/ln(r n)
    d = 1 - e
    np.testing.assert_allclose(res.weights[0], d / d.sum(), rtol=1e-12)
    np.testing.assert_allclose(res.weights[2], res.weights[0])


def test_critic_by_hand():
    z = np.array([[0.1, 0.9, 0.3], [0.4, 0.5, 0.8], [0.9, 0.2, 0.6], [0.6, 0.1, 0.1]])
    w, _ = critic_weights(z)
    c = []
    for j in range(3):
        sd = np.sqrt(((z[:, j] - z[:, j].mean()) ** 2).sum() / 3)
        conflict = 0.0
        for k in range(3):
            r = np.sum((z[:, j] - z[:, j].mean()) * (z[:, k] - z[:, k].mean())) / np.sqrt(
                np.sum((z[:, j] - z[:, j].mean()) ** 2) * np.sum((z[:, k] - z[:, k].mean()) ** 2)
            )
            conflict += 1 - r
        c.append(sd * conflict)
    np.testing.assert_allclose(w, np.array(c) / sum(c), rtol=1e-12)


def test_varimax_matches_statsmodels():
    from statsmodels.multivariate.factor_rotation import rotate_factors

    rng = np.random.default_rng(7)
    A = rng.normal(size=(6, 2))
    ours = _varimax(A)
    ref, _ = rotate_factors(A, "varimax")
    # equal up to the order and sign of the factors
    for j in range(2):
        col = ours[:, j]
        assert min(np.abs(np.abs(col) - np.abs(ref[:, k])).max() for k in range(2)) < 1e-6


def test_pca_weights_two_symmetric_blocks():
    # two independent blocks of two symmetric indicators (exactly orthogonal sources):
    # two factors with eigenvalue > 1 explain equal variance; every indicator weighs 1/4
    rng = np.random.default_rng(0)
    m = rng.normal(size=(200, 4))
    m -= m.mean(axis=0)
    q, _ = np.linalg.qr(m)  # centred, orthonormal columns f0, f1, e0, e1
    f0, f1, e0, e1 = q.T
    z = np.column_stack([f0 + 0.3 * e0, f0 - 0.3 * e0, f1 + 0.3 * e1, f1 - 0.3 * e1])
    w, log = pca_weights(z)
    assert "2 component(s)" in log[-1]
    np.testing.assert_allclose(w, 0.25, atol=1e-10)


def test_pca_weights_follow_the_handbook_rule_on_one_factor():
    # one retained factor: scaled squared loadings l_j^2 / sum l^2 are the weights
    rng = np.random.default_rng(4)
    f = rng.normal(size=300)
    z = np.column_stack(
        [f + 0.2 * rng.normal(size=300), f + 0.5 * rng.normal(size=300), f + 0.9 * rng.normal(size=300)]
    )
    w, log = pca_weights(z)
    assert "1 component(s)" in log[-1]
    _vals, vecs = np.linalg.eigh(np.corrcoef(z, rowvar=False))
    v = vecs[:, -1]
    np.testing.assert_allclose(w, v**2 / (v**2).sum(), rtol=1e-10)
    assert w[0] > w[1] > w[2]


def test_topsis_and_geometric_by_hand():
    x = np.array([[1.0, 3.0], [2.0, 1.0], [3.0, 2.0]])
    s = CompositeSpec(
        indicators=(IndicatorSpec("x0", weight=0.75), IndicatorSpec("x1", weight=0.25)),
        aggregation="topsis",
        weighting="user",
    )
    r = composite_index(x, s)
    z = np.array([[0.0, 1.0], [0.5, 0.0], [1.0, 0.5]])
    w = np.array([0.75, 0.25])
    dp = np.sqrt((((z - 1) * w) ** 2).sum(1))
    dm = np.sqrt(((z * w) ** 2).sum(1))
    np.testing.assert_allclose(r.scores[0], dm / (dp + dm), rtol=1e-12)
    g = composite_index(x, spec_of(2, aggregation="geometric", minmax_range=(1.0, 100.0)))
    zz = 1 + 99 * z
    np.testing.assert_allclose(g.scores[0], np.sqrt(zz[:, 0] * zz[:, 1]), rtol=1e-12)
    assert g.ranks[0].tolist() == [2, 3, 1]  # sqrt(1*100)=10, sqrt(50.5*1)=7.1, sqrt(100*50.5)=71


def test_geometric_with_zero_is_an_error_naming_the_cell():
    with pytest.raises(DataError, match="geometric"):
        composite_index(X, spec_of(3, aggregation="geometric"))


def test_zero_variance_column_is_logged():
    x = np.column_stack([X[:, 0], np.full(4, 7.0)])
    r = composite_index(x, spec_of(2, weighting="critic"))
    assert any("zero variance" in line for line in r.log)
    assert r.weights[0, 1] == 0.0


def test_pillars_rescale_weights_inside_each_pillar():
    inds = (
        IndicatorSpec("a", pillar="econ", weight=0.2),
        IndicatorSpec("b", pillar="econ", weight=0.2),
        IndicatorSpec("c", pillar="env", weight=0.6),
    )
    s = CompositeSpec(indicators=inds, weighting="user")
    r = composite_index(X, s)
    z = r.normalized[0]
    np.testing.assert_allclose(r.pillar_scores[0, :, 0], 0.5 * z[:, 0] + 0.5 * z[:, 1])
    np.testing.assert_allclose(r.pillar_scores[0, :, 1], z[:, 2])
    np.testing.assert_allclose(r.scores[0], z @ [0.2, 0.2, 0.6])


def test_by_year_equals_each_year_alone():
    rng = np.random.default_rng(2)
    cube = rng.uniform(1, 10, size=(2, 6, 3))
    both = composite_index(cube, spec_of(3, weighting="entropy", pooling="by_year"), years=[1, 2])
    for t in range(2):
        alone = composite_index(cube[t], spec_of(3, weighting="entropy"))
        np.testing.assert_allclose(both.scores[t], alone.scores[0], rtol=1e-12)
        np.testing.assert_allclose(both.weights[t], alone.weights[0], rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(arrays(float, st.tuples(st.integers(3, 12), st.integers(2, 5)), elements=st.floats(0.1, 100)))
def test_weights_sum_to_one_and_scores_bounded(x):
    for w in ("equal", "entropy", "critic", "pca"):
        r = composite_index(x, spec_of(x.shape[1], weighting=w))
        assert r.weights[0].sum() == pytest.approx(1.0)
        assert np.all(r.weights >= 0)
        assert np.all((r.scores >= -1e-12) & (r.scores <= 1 + 1e-12))


def test_china_panel_and_bundled_spec(china_panel):
    assert "china_development" in bundled_specs()
    s = load_spec("china_development")
    r = composite_index(china_panel, s)
    assert r.years == tuple(range(2015, 2024)) and len(r.regions) == 31
    for t in range(len(r.years)):
        assert sorted(r.ranks[t].tolist()) == list(range(1, 32))
    frame = r.to_frame()
    assert {"pillar:level", "pillar:scale"} <= set(frame.columns)
    d = r.to_dict()
    assert d["spec"]["weighting"] == "entropy" and len(d["log"]) >= 5


def test_yaml_fixture_and_errors(tmp_path):
    s = CompositeSpec.from_yaml(FIX / "spec_small.yaml")
    assert s.names == ("income", "pollution", "schools") and s.indicators[1].direction == "cost"
    bad = tmp_path / "bad.yaml"
    bad.write_text("indicators: [{name: a, colour: red}]\n", "utf-8")
    with pytest.raises(DataError, match="colour"):
        CompositeSpec.from_yaml(bad)
    bad.write_text("indicators: [a, b]\nnormalization: goalposts\n", "utf-8")
    with pytest.raises(DataError, match="goalposts missing"):
        CompositeSpec.from_yaml(bad)
    bad.write_text("indicators: [a]\nweighting: magic\n", "utf-8")
    with pytest.raises(DataError, match="unknown weighting"):
        CompositeSpec.from_yaml(bad)
    with pytest.raises(DataError):
        load_spec("no_such_spec")


def test_missing_cell_is_an_error():
    x = X.copy()
    x[2, 1] = np.nan
    with pytest.raises(DataError, match="x1"):
        composite_index(x, spec_of(3))


def test_spec_typos_are_errors_not_silently_ignored():
    with pytest.raises(DataError, match=r"unknown field\(s\) weigthing") as exc:
        CompositeSpec.from_dict({"indicators": ["a"], "weigthing": "equal"}, source="spec.yaml")
    assert exc.value.source == "spec.yaml" and "weighting" in exc.value.expected
    with pytest.raises(DataError, match=r"indicator 'a': unknown field\(s\) directon"):
        CompositeSpec.from_dict({"indicators": [{"name": "a", "directon": "-"}]})
