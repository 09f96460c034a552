"""Coupling coordination degree and obstacle degree.

References: the checks in shared/domain/measurement.md (Wang, Kong et al. 2021, J. Natural
Resources 36(3): 793-810): U = (0.5, 0.6) gives standard C = 0.996; U = (0.2, 0.8) gives
standard C = 0.80, D = 0.63 and Wang's C = 0.32, D = 0.40 with equal alpha.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from regcoord.errors import DataError
from regcoord.measure.coupling import GRADES, coupling_coordination, grade_of, obstacle_degree


def test_published_checks_standard():
    r = coupling_coordination([[0.5, 0.6], [0.2, 0.8]])
    assert r.C[0] == pytest.approx(0.996, abs=5e-4)
    assert r.C[1] == pytest.approx(0.80, abs=5e-3)
    assert r.D[1] == pytest.approx(0.63, abs=5e-3)


def test_published_checks_wang():
    r = coupling_coordination([[0.2, 0.8]], type="wang")
    assert r.C[0] == pytest.approx(0.32, abs=5e-3)
    assert r.D[0] == pytest.approx(0.40, abs=5e-3)


def test_three_subsystems_by_hand():
    U = [0.3, 0.6, 0.9]
    # standard: (0.3*0.6*0.9)^(1/3) / 0.6
    c_std = (0.3 * 0.6 * 0.9) ** (1 / 3) / 0.6
    # Wang: pairwise |diffs| = 0.3, 0.6, 0.3 -> mean 0.4; prod(U/max) = (1/3)(2/3)(1) = 2/9, ^(1/2)
    c_wang = math.sqrt((1 - 1.2 / 3) * (2 / 9) ** 0.5)
    alpha = [0.5, 0.3, 0.2]
    t = 0.5 * 0.3 + 0.3 * 0.6 + 0.2 * 0.9
    r1 = coupling_coordination([U], alpha=alpha)
    r2 = coupling_coordination([U], alpha=alpha, type="wang")
    assert r1.C[0] == pytest.approx(c_std, rel=1e-12)
    assert r1.T[0] == pytest.approx(t, rel=1e-12)
    assert r1.D[0] == pytest.approx(math.sqrt(c_std * t), rel=1e-12)
    assert r2.C[0] == pytest.approx(c_wang, rel=1e-12)


def test_vectorized_over_years_equals_per_year():
    rng = np.random.default_rng(3)
    U = rng.uniform(0.05, 1, size=(4, 6, 3))
    whole = coupling_coordination(U, years=[2020, 2021, 2022, 2023])
    for t in range(4):
        one = coupling_coordination(U[t])
        np.testing.assert_allclose(whole.D[t], one.D, rtol=1e-14)
    frame = whole.to_frame()
    assert len(frame) == 24 and set(frame["year"]) == {2020, 2021, 2022, 2023}


def test_grade_bands_and_names():
    assert len(GRADES) == 10
    assert GRADES[0].name_zh == "极度失调" and GRADES[9].name_zh == "优质协调"
    assert GRADES[5].name_en == "barely coordinated" and GRADES[5].name_zh == "勉强协调"
    np.testing.assert_array_equal(grade_of([0.0, 0.0999, 0.1, 0.3999, 0.4, 0.95, 1.0]), [0, 0, 1, 3, 4, 9, 9])
    r = coupling_coordination([[0.2, 0.8]], type="wang")  # D = 0.398 -> mild imbalance
    assert r.grade_zh[0] == "轻度失调"


def test_all_zero_unit_is_flagged_not_silent():
    r = coupling_coordination([[0.0, 0.0], [0.5, 0.5]])
    assert math.isnan(r.C[0]) and r.D[0] == 0.0
    assert r.notes and "undefined" in r.notes[0]
    assert r.C[1] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("U", "kw"),
    [
        ([[0.5, 1.2]], {}),
        ([[0.5]], {}),
        ([[0.5, 0.5]], {"alpha": [0.6, 0.6]}),
        ([[0.5, 0.5]], {"type": "other"}),
    ],
)
def test_bad_input(U, kw):
    with pytest.raises(DataError):
        coupling_coordination(U, **kw)


unit = st.floats(0.01, 1.0, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(arrays(float, st.tuples(st.integers(1, 5), st.integers(2, 5)), elements=unit))
def test_c_and_d_in_unit_interval(U):
    for kind in ("standard", "wang"):
        r = coupling_coordination(U, type=kind)
        assert np.all((r.C >= 0) & (r.C <= 1 + 1e-12))
        assert np.all((r.D >= 0) & (r.D <= 1 + 1e-12))


@settings(max_examples=150, deadline=None)
@given(arrays(float, st.tuples(st.integers(1, 4), st.integers(2, 5)), elements=unit))
def test_standard_c_is_one_iff_all_equal(U):
    r = coupling_coordination(U)
    equal = np.ptp(U, axis=1) == 0
    # AM-GM: equality iff all equal; a strict gap otherwise
    assert np.all(np.isclose(r.C, 1.0, rtol=0, atol=1e-12)[equal])
    ptp = np.ptp(U, axis=1)
    clearly_unequal = ptp > 1e-3
    assert np.all(r.C[clearly_unequal] < 1.0)


@settings(max_examples=150, deadline=None)
@given(
    arrays(float, st.tuples(st.integers(1, 6), st.integers(2, 6)), elements=st.floats(0, 0.99)),
    st.data(),
)
def test_obstacle_degrees_sum_to_one(z, data):
    m = z.shape[1]
    w = np.array(data.draw(st.lists(st.floats(0.01, 1), min_size=m, max_size=m)))
    o = obstacle_degree(z, w / w.sum())
    np.testing.assert_allclose(o.degree.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all(o.degree >= 0)


def test_obstacle_degree_by_hand():
    # w = (0.5, 0.3, 0.2), z = (0.2, 0.5, 1.0): deviations 0.4, 0.15, 0 -> shares 0.4/0.55, 0.15/0.55, 0
    o = obstacle_degree([[0.2, 0.5, 1.0]], [0.5, 0.3, 0.2], indicators=["a", "b", "c"])
    np.testing.assert_allclose(o.degree[0], [0.4 / 0.55, 0.15 / 0.55, 0.0], rtol=1e-14)
    assert o.top(0, 1) == [("a", pytest.approx(0.4 / 0.55))]
    ideal = obstacle_degree([[1.0, 1.0]], [0.5, 0.5])
    assert np.isnan(ideal.degree).all()


def test_coupling_from_composite_pillars(china_panel):
    from regcoord.measure.composite import composite_index, load_spec
    from regcoord.measure.coupling import coupling_from_composite

    res = composite_index(china_panel, load_spec("china_development"))
    cc = coupling_from_composite(res, type="wang")
    assert cc.subsystems == ("level", "scale") and cc.D.shape == (9, 31)
    direct = coupling_coordination(res.pillar_scores[3], type="wang")
    np.testing.assert_allclose(cc.D[3], direct.D, rtol=1e-14)
    single = res.spec.with_choices(indicators=res.spec.indicators[:1])  # one pillar only
    with pytest.raises(DataError, match="pillar"):
        coupling_from_composite(composite_index(np.array([[1.0], [2.0]]), single))
