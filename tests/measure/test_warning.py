"""Early warning rules and the signal approach, against hand calculations."""

from __future__ import annotations

import numpy as np
import pytest

from regcoord.errors import DataError, RuleError
from regcoord.measure.warning import (
    LEVELS,
    RuleSet,
    default_rules,
    early_warning,
    evaluate_signals,
    search_threshold,
)

YEARS = [2018, 2019, 2020, 2021]
REGIONS = ["a", "b", "c"]


def rules(*items):
    return RuleSet.from_dict({"name": "t", "rules": list(items)})


def test_threshold_bands_by_hand():
    D = np.array([[0.55, 0.45, 0.15], [0.41, 0.39, 0.2], [0.6, 0.5, 0.199], [0.3, 0.7, 0.9]])
    rs = rules(
        {
            "id": "d",
            "type": "threshold",
            "indicator": "D",
            "source": "test",
            "params": {"direction": "below"},
            "bands": {"yellow": 0.5, "orange": 0.4, "red": 0.2},
        }
    )
    r = early_warning({"D": D}, rs, years=YEARS, regions=REGIONS)
    # < 0.5 yellow, < 0.4 orange, < 0.2 red (strict)
    np.testing.assert_array_equal(r.levels, [[0, 1, 3], [1, 2, 2], [0, 0, 3], [2, 0, 0]])
    f = r.firings_frame()
    assert set(f["rule"]) == {"d"} and (f["source"] == "test").all()
    assert LEVELS[3] == ("red", "红")
    frame = r.to_frame()
    assert frame.loc[(frame.region == "c") & (frame.year == 2018), "level_zh"].item() == "红"


def test_ratio_to_weighted_average_by_hand():
    x = np.array([[100.0, 50.0, 40.0]])
    pop = np.array([[1.0, 2.0, 1.0]])
    # weighted mean = (100 + 100 + 40) / 4 = 60 -> ratios 1.667, 0.833, 0.667
    rs = rules(
        {
            "id": "r",
            "type": "ratio_to_average",
            "indicator": "x",
            "source": "test",
            "params": {"direction": "below", "weight": "pop"},
            "bands": {"yellow": 0.9, "orange": 0.7},
        }
    )
    r = early_warning({"x": x, "pop": pop}, rs, years=[2020], regions=REGIONS)
    np.testing.assert_array_equal(r.levels, [[0, 1, 2]])
    assert r.firings[1].value == pytest.approx(40 / 60)


def test_ratio_to_group_average():
    x = np.array([[10.0, 30.0, 100.0, 60.0]])
    rs = rules(
        {
            "id": "g",
            "type": "ratio_to_average",
            "indicator": "x",
            "source": "test",
            "params": {"average": "group"},
            "bands": {"yellow": 0.75},
        }
    )
    # group 1 (a, b): mean 20 -> 0.5, 1.5; group 2 (c, d): mean 80 -> 1.25, 0.75 (not strictly below)
    r = early_warning({"x": x}, rs, years=[2020], regions=list("abcd"), groups=[1, 1, 2, 2])
    np.testing.assert_array_equal(r.levels, [[1, 0, 0, 0]])


def test_trend_and_persistence_by_hand():
    x = np.array([[100.0, 100.0], [98.0, 101.0], [94.0, 102.0], [90.0, 103.0]])
    rs = rules(
        {
            "id": "tr",
            "type": "trend",
            "indicator": "x",
            "source": "test",
            "params": {"k": 2, "change": "relative"},
            "bands": {"yellow": 0.0, "orange": -0.05},
        },
        {"id": "p", "type": "persistence", "source": "test", "params": {"min_level": "yellow", "years": 2}},
    )
    r = early_warning({"x": x}, rs, years=YEARS, regions=["a", "b"])
    # region a: change over 2 years in 2020: 94/100 - 1 = -6% (orange); 2021: 90/98 - 1 = -8.2% (orange)
    # persistence: orange two years in a row in 2021 -> red
    np.testing.assert_array_equal(r.levels[:, 0], [0, 0, 2, 3])
    np.testing.assert_array_equal(r.levels[:, 1], [0, 0, 0, 0])
    assert [f.rule for f in r.firings if f.year == 2021] == ["tr", "p"]


def test_widening_gap_and_grade_falling():
    # cv of (x_a, x_b) rises every year; a is below average
    x = np.array([[9.0, 11.0], [8.0, 12.0], [7.0, 13.0], [6.0, 14.0]])
    D = np.array([[0.65, 0.8], [0.55, 0.8], [0.35, 0.81], [0.36, 0.7]])
    rs = rules(
        {
            "id": "gap",
            "type": "widening_gap",
            "indicator": "x",
            "source": "test",
            "params": {"index": "cv", "k": 3, "level": "orange"},
        },
        {
            "id": "down",
            "type": "grade_falling",
            "indicator": "D",
            "source": "test",
            "params": {"k": 1},
            "bands": {"yellow": 1, "orange": 2},
        },
    )
    r = early_warning({"x": x, "D": D}, rs, years=YEARS, regions=["a", "b"])
    # gap: rising 3 years in a row only by 2021, flags a (below average)
    # grades: a 6 -> 5 (2019, yellow) -> 3 (2020, orange) -> 3; b 8 -> 8 -> 8 -> 7 (2021, yellow)
    np.testing.assert_array_equal(r.levels, [[0, 0], [1, 0], [2, 0], [2, 1]])
    assert {(f.region, f.year, f.rule) for f in r.firings} == {
        ("a", 2019, "down"),
        ("a", 2020, "down"),
        ("a", 2021, "gap"),
        ("b", 2021, "down"),
    }


def test_default_rules_are_sourced_and_unverified(china_panel):
    rs = default_rules()
    assert len(rs.rules) == 6 and "not official" in rs.description.lower().replace("\n", " ")
    assert all(r.source and r.verified is False for r in rs.rules)
    assert {r.type for r in rs.rules} == {
        "threshold",
        "ratio_to_average",
        "trend",
        "widening_gap",
        "grade_falling",
        "persistence",
    }
    r = early_warning(china_panel, rs)
    # coordination_degree is not in the china panel: those rules are skipped, visibly
    assert len(r.skipped) == 2 and all("coordination_degree" in s for s in r.skipped)
    assert r.years[0] == 2015 and r.levels.shape == (9, 31)
    # the income rule by hand on the last year: GDP per capita over the population-weighted
    # national mean, yellow < 0.75, orange < 0.6, red < 0.5 (the bundled default bands)
    year = r.years[-1]
    gdp = china_panel.wide("gdp_per_capita")[year].reindex(list(r.regions)).to_numpy(float)
    pop = china_panel.wide("population")[year].reindex(list(r.regions)).to_numpy(float)
    ratio = gdp / (np.sum(gdp * pop) / np.sum(pop))
    expected = {
        (reg, sum(int(q < bound) for bound in (0.75, 0.6, 0.5)))
        for reg, q in zip(r.regions, ratio.tolist(), strict=True)
        if q < 0.75
    }
    got = {
        (f.region, f.level) for f in r.firings if f.rule == "income_relative_to_national" and f.year == year
    }
    assert got == expected and expected  # some provinces are below 0.75 of the mean
    with pytest.raises(DataError):
        early_warning(china_panel, rs, strict=True)


@pytest.mark.parametrize(
    ("rule", "msg"),
    [
        ({"id": "x", "type": "magic", "indicator": "a", "source": "s"}, "type"),
        ({"id": "x", "type": "threshold", "indicator": "a", "bands": {"red": 1}}, "source"),
        (
            {
                "id": "x",
                "type": "threshold",
                "indicator": "a",
                "source": "s",
                "bands": {"yellow": 0.2, "red": 0.5},
            },
            "stricter",
        ),
        ({"id": "x", "type": "threshold", "indicator": "a", "source": "s", "bands": {"purple": 1}}, "band"),
        (
            {
                "id": "x",
                "type": "trend",
                "indicator": "a",
                "source": "s",
                "params": {"k": 0},
                "bands": {"red": 1},
            },
            "k = 0",
        ),
    ],
)
def test_bad_rules(rule, msg):
    with pytest.raises(RuleError, match=msg):
        rules(rule)


def test_signal_approach_by_hand():
    # A = 3 (signal & event), B = 2 (false alarm), C = 1 (missed), D = 4 (quiet)
    s = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0], bool)
    e = np.array([1, 1, 1, 0, 0, 1, 0, 0, 0, 0], bool)
    ev = evaluate_signals(s, e, theta=0.5)
    assert (ev.A, ev.B, ev.C, ev.D) == (3, 2, 1, 4)
    assert ev.noise_to_signal == pytest.approx((2 / 6) / (3 / 4))  # 0.4444
    assert ev.loss == pytest.approx(0.5 * 1 / 4 + 0.5 * 2 / 6)  # 0.291667
    assert ev.usefulness == pytest.approx(0.5 - (0.5 * 1 / 4 + 0.5 * 2 / 6))
    ev2 = evaluate_signals(s, e, theta=0.8)
    assert ev2.loss == pytest.approx(0.8 * 0.25 + 0.2 * 2 / 6)
    assert evaluate_signals(np.zeros(4, bool), np.array([1, 0, 0, 0], bool)).noise_to_signal == float("inf")


def test_threshold_search_by_hand():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    e = np.array([0, 0, 0, 1, 1, 1], bool)
    t = search_threshold(x, e, thresholds=[2.5, 3.5, 4.5])
    # 3.5 separates perfectly: loss 0; 2.5: one false alarm of 3 non-events -> 0.5 * 1/3
    np.testing.assert_allclose(t.loss, [0.5 / 3, 0.0, 0.5 / 3])
    assert t.best == 3.5 and t.best_evaluation.usefulness == pytest.approx(0.5)
    ev = evaluate_signals(x > 2.5, e)
    assert t.loss[0] == pytest.approx(ev.loss) and t.noise_to_signal[0] == pytest.approx(ev.noise_to_signal)
